import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { AuroraError, describeCause, isAuroraError } from '../../errors/aurora-error.js';
import { openSampleTarget, type SampleRow, type SampleTableDefinition, type SampleTarget } from '../targets/sample-target.js';
import type { DefectTally } from './defect-kinds.js';
import { buildManifest, type ErpManifest } from './manifest.js';
import { buildArticles } from './master-data.js';
import { planErpSample, type ErpPlan, type ErpSampleOptions } from './plan.js';
import { articleRows, customerRows, invoiceRows, orderItemRows, orderRows, plantRows, type TableRows } from './table-rows.js';
import { ERP_TABLES, type ErpTableName } from './tables.js';

function rowsFor(table: ErpTableName, plan: ErpPlan, articles: ReturnType<typeof buildArticles>): TableRows {
  switch (table) {
    case 'PLANTS':
      return plantRows();
    case 'CUSTOMERS':
      return customerRows(plan);
    case 'ARTICLES':
      return articleRows(plan, articles);
    case 'ORDERS':
      return orderRows(plan, articles);
    case 'ORDER_ITEMS':
      return orderItemRows(plan, articles);
    case 'INVOICES':
      return invoiceRows(plan, articles);
  }
}

/** Passes rows through and feeds each into a SHA-256, so the checksum costs no second pass. */
async function* hashRows(rows: AsyncIterable<SampleRow>, hash: ReturnType<typeof createHash>): AsyncGenerator<SampleRow> {
  for await (const row of rows) {
    hash.update(row.map((value) => (value === null ? '\\N' : value)).join('\t'));
    hash.update('\n');
    yield row;
  }
}

/**
 * Generates the legacy ERP of Müller Maschinenbau and loads it into the target: PLANTS,
 * CUSTOMERS, ARTICLES, ORDERS (round(2,147,832 × scale) rows), ORDER_ITEMS and INVOICES. Rows
 * stream from a seeded generator into the target, so memory does not grow with the scale, and
 * equal options give equal rows on every target.
 *
 * Rejects with SAMPLE_OPTION_INVALID before connecting, with SAMPLE_TARGET_EXISTS when any ERP
 * table exists and `replace` is not set, and with SAMPLE_ERP_LOAD_FAILED when a table fails to
 * load. In that case every ERP table is dropped, so the target never contains a partial ERP.
 * With `manifest`, the manifest is also written there as JSON once all tables are loaded.
 */
export async function loadErpSample(url: string, options: ErpSampleOptions): Promise<ErpManifest> {
  const plan = planErpSample(options);
  const started = performance.now();
  const target = await openSampleTarget(url);
  try {
    const existing: string[] = [];
    for (const table of ERP_TABLES) {
      if (await target.tableExists(table.name)) {
        existing.push(table.name);
      }
    }
    if (existing.length > 0 && options.replace !== true) {
      throw new AuroraError('SAMPLE_TARGET_EXISTS', { target: target.describe(), tables: existing });
    }

    const articles = buildArticles(plan.seed);
    const rowCounts = {} as Record<ErpTableName, number>;
    const checksums = {} as Record<ErpTableName, string>;
    const tally: DefectTally = {};

    // SampleTarget.loadTable commits each table in its own transaction, so tables commit one by one.
    // NOTE: a process killed between two tables leaves the tables committed so far, and only a
    // rerun with --replace cleans them up.
    for (const table of ERP_TABLES) {
      const name = table.name as ErpTableName;
      const tableStarted = performance.now();
      const generated = rowsFor(name, plan, articles);
      const hash = createHash('sha256');
      try {
        rowCounts[name] = await target.loadTable(table, hashRows(generated.rows, hash), { replace: true });
      } catch (error) {
        throw await dropAfterFailure(target, table, error);
      }
      checksums[name] = hash.digest('hex');
      Object.assign(tally, generated.tally);
      options.onTableLoaded?.(name, rowCounts[name], performance.now() - tableStarted);
    }

    const manifest = buildManifest(plan, target.describe(), rowCounts, tally, checksums, Math.round(performance.now() - started));
    if (options.manifest !== undefined) {
      await mkdir(path.dirname(path.resolve(options.manifest)), { recursive: true });
      await writeFile(options.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    }
    return manifest;
  } finally {
    await target.close();
  }
}

/**
 * Drops every ERP table after a failed load and returns the error to report. With --replace this
 * removes the older tables that were not reached yet as well, because a mix of old and new tables
 * would not fit together.
 */
async function dropAfterFailure(target: SampleTarget, failed: SampleTableDefinition, error: unknown): Promise<AuroraError> {
  const dropped: string[] = [];
  const notDropped: string[] = [];
  for (const table of ERP_TABLES) {
    try {
      if (await target.tableExists(table.name)) {
        await target.dropTable(table.name);
        dropped.push(table.name);
      }
    } catch (dropError) {
      notDropped.push(`${table.name} (${describeCause(dropError)})`);
    }
  }

  const detail = isAuroraError(error) ? error.render('en') : describeCause(error);
  const detailDe = isAuroraError(error) ? error.render('de') : describeCause(error);
  return new AuroraError(
    'SAMPLE_ERP_LOAD_FAILED',
    { target: target.describe(), table: failed.name, detail: { de: detailDe, en: detail }, dropped: dropped.join(', '), notDropped: notDropped.join('; ') },
    { cause: error },
  );
}
