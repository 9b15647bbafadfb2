import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import { loadConfig } from '../../src/config/load-config.js';
import { DuckdbSession } from '../../src/engine/duckdb-session.js';
import { quoteIdentifier, quoteLiteral } from '../../src/engine/sql-text.js';
import { runFullLoad, type RunOutcome } from '../../src/pipeline/full-load.js';
import { loadErpSample } from '../../src/samples/erp/erp-sample.js';
import type { ErpManifest } from '../../src/samples/erp/manifest.js';
import { planErpSample } from '../../src/samples/erp/plan.js';
import { ERP_TABLES, type ErpTableName } from '../../src/samples/erp/tables.js';
import { createThrowawayPostgresDatabase, probePostgres, requireService } from '../helpers/services.js';
import { tempFolder } from '../helpers/temp-folder.js';

const RULES = path.resolve('examples/mueller-erp/rules');
const EXAMPLE_CONFIG = path.resolve('examples/mueller-erp/aurora.yaml');
/** About 10,739 orders: every defect kind occurs, and a run takes seconds. */
const SCALE = 0.005;
const SEED = 7;
const TABLE_RULE_TYPES = new Set(['row_count', 'freshness']);

/** Writes a config for the example tables and rules with the given source section and runs a full load. */
async function runPipeline(t: TestContext, source: string[]): Promise<{ outcome: RunOutcome; lake: string }> {
  const folder = tempFolder(t, 'aurora-erp-');
  const example = readFileSync(EXAMPLE_CONFIG, 'utf8');
  const tables = example.slice(example.indexOf('\ntables:') + 1);
  const file = path.join(folder, 'aurora.yaml');
  writeFileSync(file, ['name: erp-test', 'source:', ...source.map((line) => `  ${line}`), 'lake: lake', `rules: ${JSON.stringify(RULES)}`, 'partitions: 3', tables].join('\n'));
  const outcome = await runFullLoad({ config: loadConfig(file, {}) });
  return { outcome, lake: path.join(folder, 'lake') };
}

/** Checks that each rule failed on exactly the rows the manifest promises, and each table quarantined exactly the expected rows. */
function assertRunMatchesManifest(outcome: RunOutcome, manifest: ErpManifest): void {
  assert.equal(outcome.error, undefined, outcome.run.error?.message.en);
  assert.equal(outcome.run.status, 'succeeded');
  assert.equal(outcome.run.tables.length, ERP_TABLES.length);

  for (const table of outcome.run.tables) {
    const name = table.table as ErpTableName;
    const expected = manifest.expectedFailedRows[name];
    assert.equal(table.rowsRead, manifest.rows[name], `${name}: rows read`);
    assert.equal(table.quarantinedRows, manifest.expectedQuarantinedRows[name], `${name}: quarantined rows`);

    for (const rule of table.rules) {
      if (TABLE_RULE_TYPES.has(rule.type)) {
        continue;
      }
      assert.equal(rule.failedRows, expected[rule.ruleId] ?? 0, `${name}.${rule.ruleId}: failed rows`);
    }
    for (const ruleId of Object.keys(expected)) {
      assert.ok(
        table.rules.some((rule) => rule.ruleId === ruleId),
        `${name}: the manifest names rule ${ruleId}, but the rule files have no such rule`,
      );
    }
  }

  const orders = outcome.run.tables.find((table) => table.table === 'ORDERS');
  assert.equal(orders?.rules.find((rule) => rule.ruleId === 'orders_row_count')?.failedRows, 0);
  assert.equal(orders?.rules.find((rule) => rule.ruleId === 'orders_recent')?.failedRows, 1, 'the legacy data ends in 2024, so the warn rule fires');
}

/** Hashes each table's bronze rows, every value as DuckDB renders it as text, in primary-key order. */
async function bronzeChecksums(lake: string): Promise<Record<string, string>> {
  const session = await DuckdbSession.open();
  try {
    const checksums: Record<string, string> = {};
    for (const table of ERP_TABLES) {
      const values = table.columns.map((column) => `coalesce(CAST(${quoteIdentifier(column.name)} AS VARCHAR), '<NULL>')`);
      const order = table.primaryKey.map(quoteIdentifier).join(', ');
      const files = quoteLiteral(path.join(lake, 'bronze', table.name, '*', '*.parquet'));
      const [row] = await session.queryText(
        `SELECT md5(string_agg(concat_ws('|', ${values.join(', ')}), chr(10) ORDER BY ${order})) AS checksum FROM read_parquet(${files})`,
      );
      checksums[table.name] = row?.checksum ?? '';
    }
    return checksums;
  } finally {
    await session.close();
  }
}

function withoutTarget(manifest: ErpManifest): Omit<ErpManifest, 'target' | 'durationMs'> {
  const { target: _target, durationMs: _durationMs, ...rest } = manifest;
  return rest;
}

interface LoadedSample {
  manifest: ErpManifest;
  bronze: Record<string, string>;
}

let sqliteSample: LoadedSample | undefined;
let postgresSample: LoadedSample | undefined;

test('plan places exactly 42 unconvertible texts at scale 1', () => {
  const plan = planErpSample({ scale: 1 });
  assert.equal(plan.orderCount, 2_147_832);
  assert.equal((plan.orderDefects.get('unconvertible_order_date_txt') ?? 0) + (plan.orderDefects.get('unconvertible_amount_txt') ?? 0), 42);

  const half = planErpSample({ scale: 0.5 });
  assert.equal((half.orderDefects.get('unconvertible_order_date_txt') ?? 0) + (half.orderDefects.get('unconvertible_amount_txt') ?? 0), 21);

  const tiny = planErpSample({ scale: 0.001 });
  assert.equal((tiny.orderDefects.get('unconvertible_order_date_txt') ?? 0) + (tiny.orderDefects.get('unconvertible_amount_txt') ?? 0), 1, 'at least one');

  const clean = planErpSample({ scale: 0.01, defectRate: 0 });
  assert.deepEqual([...clean.orderDefects.values()].filter((count) => count > 0), []);
});

test('erp sample from SQLite: rule failures match the manifest', async (t) => {
  const folder = tempFolder(t, 'aurora-erp-sqlite-');
  const database = path.join(folder, 'legacy.sqlite');
  const manifestFile = path.join(folder, 'manifest.json');
  const manifest = await loadErpSample(`sqlite:${database}`, { scale: SCALE, seed: SEED, manifest: manifestFile });

  assert.equal(manifest.rows.ORDERS, Math.round(2_147_832 * SCALE));
  assert.deepEqual(JSON.parse(readFileSync(manifestFile, 'utf8')), manifest, 'the file holds the returned manifest');
  const ordersQuarantine = manifest.expectedQuarantinedRows.ORDERS / manifest.rows.ORDERS;
  assert.ok(ordersQuarantine > 0.026, `about 2.8 % of the orders fail, got ${ordersQuarantine}`);
  assert.ok(ordersQuarantine < 0.03, `about 2.8 % of the orders fail, got ${ordersQuarantine}`);
  for (const defect of manifest.defects.filter((entry) => entry.table === 'ORDERS')) {
    assert.ok(defect.rows > 0 || defect.kind === 'unconvertible_amount_txt', `${defect.kind} occurs at scale ${SCALE}`);
  }

  const { outcome, lake } = await runPipeline(t, ['type: sqlite', `path: ${JSON.stringify(database)}`]);
  assertRunMatchesManifest(outcome, manifest);
  sqliteSample = { manifest, bronze: await bronzeChecksums(lake) };
});

test('erp sample from PostgreSQL: rule failures match the manifest', async (t) => {
  const skip = await requireService('PostgreSQL', () => probePostgres());
  if (skip) {
    t.skip(skip);
    return;
  }
  const database = await createThrowawayPostgresDatabase();
  t.after(() => database.drop());

  const manifest = await loadErpSample(database.url, { scale: SCALE, seed: SEED });
  // The example config itself, with the source and lake taken from the environment as documented there.
  const lake = path.join(tempFolder(t, 'aurora-erp-lake-'), 'lake');
  const config = loadConfig(EXAMPLE_CONFIG, { AURORA_SOURCE_URL: database.url, AURORA_MUELLER_LAKE: lake });
  const outcome = await runFullLoad({ config });
  assertRunMatchesManifest(outcome, manifest);
  postgresSample = { manifest, bronze: await bronzeChecksums(lake) };
});

test('same seed gives the same rows on SQLite and PostgreSQL', (t) => {
  if (sqliteSample === undefined || postgresSample === undefined) {
    t.skip('needs both load tests above');
    return;
  }
  assert.deepEqual(withoutTarget(postgresSample.manifest), withoutTarget(sqliteSample.manifest));
  for (const table of ERP_TABLES) {
    assert.equal(postgresSample.bronze[table.name], sqliteSample.bronze[table.name], `${table.name}: bronze checksum`);
  }
});

test('other seed gives other rows', async (t) => {
  const folder = tempFolder(t, 'aurora-erp-seed-');
  const first = await loadErpSample(`sqlite:${path.join(folder, 'a.sqlite')}`, { scale: 0.001, seed: 1 });
  const again = await loadErpSample(`sqlite:${path.join(folder, 'b.sqlite')}`, { scale: 0.001, seed: 1 });
  const other = await loadErpSample(`sqlite:${path.join(folder, 'c.sqlite')}`, { scale: 0.001, seed: 2 });

  assert.deepEqual(again.checksums, first.checksums);
  assert.notEqual(other.checksums.ORDERS, first.checksums.ORDERS);
  assert.notEqual(other.checksums.CUSTOMERS, first.checksums.CUSTOMERS);
});
