import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { DuckdbSession } from '../engine/duckdb-session.js';
import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import { AuroraError, describeCause } from '../errors/aurora-error.js';
import type { ColumnType, GoldModel } from './load-models.js';

/** The outcome of one model: its output file, row count and run time in milliseconds. */
export interface GoldModelResult {
  model: string;
  rows: number;
  file: string;
  ms: number;
}

/**
 * Returns the columns of each silver Parquet file, for loadModels to bind model SQL against.
 * `silver` maps each table name to its silver Parquet file.
 */
export async function describeSilverFiles(session: DuckdbSession, silver: ReadonlyMap<string, string>): Promise<Map<string, ColumnType[]>> {
  const tables = new Map<string, ColumnType[]>();
  for (const [table, file] of silver) {
    const rows = await session.queryText(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(file)})`);
    tables.set(
      table,
      rows.map((row) => ({ name: String(row.column_name), type: String(row.column_type) })),
    );
  }
  return tables;
}

/**
 * Runs each model's SELECT over the silver files and writes `<targetFolder>/<model>.parquet`.
 * The silver tables are visible as temporary views named like the tables, and only while this
 * function runs. Gold files are not registered as views, so a model reads silver only and never
 * another model. DECIMAL columns stay DECIMAL in Parquet. Throws GOLD_MODEL_FAILED for the
 * first model whose SELECT fails; files written before it stay in `targetFolder`.
 */
export async function buildGoldModels(
  session: DuckdbSession,
  models: readonly GoldModel[],
  silver: ReadonlyMap<string, string>,
  targetFolder: string,
): Promise<GoldModelResult[]> {
  mkdirSync(targetFolder, { recursive: true });

  const views: string[] = [];
  try {
    for (const [table, file] of silver) {
      await session.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdentifier(table)} AS SELECT * FROM read_parquet(${quoteLiteral(file)})`);
      views.push(table);
    }

    const results: GoldModelResult[] = [];
    for (const model of models) {
      results.push(await buildModel(session, model, silver, targetFolder));
    }
    return results;
  } finally {
    for (const table of views) {
      await session.run(`DROP VIEW IF EXISTS temp.main.${quoteIdentifier(table)}`);
    }
  }
}

async function buildModel(session: DuckdbSession, model: GoldModel, silver: ReadonlyMap<string, string>, targetFolder: string): Promise<GoldModelResult> {
  const missing = model.tables.filter((table) => !silver.has(table));
  if (missing.length > 0) {
    throw new AuroraError('GOLD_MODEL_FAILED', {
      model: model.name,
      file: model.sqlFile,
      detail: `silver table ${missing.join(', ')} is missing from this run`,
    });
  }

  const file = join(targetFolder, `${model.name}.parquet`);
  const started = performance.now();
  try {
    // The SQL starts on its own line, so a trailing line comment cannot swallow the closing bracket.
    const rows = await session.runCounting(`COPY (\n${model.sql}\n) TO ${quoteLiteral(file)} (FORMAT parquet)`);
    return { model: model.name, rows, file, ms: Math.round(performance.now() - started) };
  } catch (error) {
    throw new AuroraError(
      'GOLD_MODEL_FAILED',
      { model: model.name, file: model.sqlFile, detail: describeCause(error).split('\n')[0] ?? '' },
      { cause: error },
    );
  }
}
