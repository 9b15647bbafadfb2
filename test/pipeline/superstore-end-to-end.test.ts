import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import { loadConfig } from '../../src/config/load-config.js';
import { DuckdbSession } from '../../src/engine/duckdb-session.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { runFullLoad, type RunOutcome } from '../../src/pipeline/full-load.js';
import { loadSuperstore } from '../../src/samples/superstore.js';
import { readPublishedState } from '../helpers/deployment.js';
import {
  createThrowawayMysqlDatabase,
  createThrowawayPostgresDatabase,
  probeMysql,
  probePostgres,
  requireService,
} from '../helpers/services.js';
import { tempFolder } from '../helpers/temp-folder.js';

const EXAMPLE_CONFIG = path.resolve('examples/superstore/aurora.yaml');
const EXAMPLE_RULES = path.resolve('examples/superstore/rules');

/** The exact totals of the Superstore CSV, summed as decimal text. */
const TOTAL_SALES = '2297200.8603';
const TOTAL_PROFIT = '286397.0217';

async function runSqliteDemo(t: TestContext): Promise<{ outcome: RunOutcome; lake: string }> {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  await loadSuperstore(`sqlite:${database}`, { replace: false });

  const lake = path.join(folder, 'lake');
  const config = loadConfig(EXAMPLE_CONFIG, { AURORA_SUPERSTORE_DB: database, AURORA_SUPERSTORE_LAKE: lake });
  return { outcome: await runFullLoad({ config }), lake };
}

async function runServerSource(t: TestContext, source: string): Promise<RunOutcome> {
  const folder = tempFolder(t);
  const file = path.join(folder, 'aurora.yaml');
  writeFileSync(
    file,
    [
      'source:',
      source.replace(/^/gm, '  '),
      'lake: lake',
      `rules: ${JSON.stringify(EXAMPLE_RULES)}`,
      'partitions: 3',
      'tables:',
      '  - name: SUPERSTORE_ORDERS',
      '    primary_key: ROW_ID',
    ].join('\n'),
  );
  return runFullLoad({ config: loadConfig(file, {}) });
}

/** Rule id to failed rows, the fingerprint that must match across source kinds. */
function ruleCounts(outcome: RunOutcome): Record<string, number> {
  const table = outcome.run.tables[0];
  assert.ok(table, 'the run has a table result');
  return Object.fromEntries(table.rules.map((rule) => [rule.ruleId, rule.failedRows]));
}

let sqliteCounts: Record<string, number> | undefined;

test('superstore from SQLite: every row lands in silver or quarantine', async (t) => {
  const { outcome, lake } = await runSqliteDemo(t);
  assert.equal(outcome.error, undefined, outcome.run.error?.message.en);
  assert.equal(outcome.run.status, 'succeeded');

  const [table] = outcome.run.tables;
  assert.ok(table);
  assert.equal(table.rowsRead, 9994);
  assert.equal(table.silverRows + table.quarantinedRows, 9994);
  assert.ok(table.quarantinedRows > 0, 'the example rules find real defects');

  const counts = ruleCounts(outcome);
  assert.equal(counts.customer_id_format, 43, 'three customers have lower-case letters in their id');
  assert.equal(counts.postal_code_five_digits, 449, 'New England postal codes lost their leading zero');
  assert.equal(counts.ship_not_before_order, 0);
  assert.equal(counts.order_year_matches_order_id, 7);
  assert.equal(counts.product_once_per_order, 16);
  sqliteCounts = counts;

  const published = await readPublishedState(lake);
  assert.equal(published.silverRows.SUPERSTORE_ORDERS, table.silverRows);
  assert.equal(published.quarantineRows.SUPERSTORE_ORDERS, table.quarantinedRows);

  const { snapshot } = JSON.parse(published.pointer ?? '{}') as { snapshot: string };
  const silver = path.join(lake, snapshot, 'silver', 'SUPERSTORE_ORDERS', '*.parquet');
  const quarantine = path.join(lake, snapshot, 'quarantine', 'SUPERSTORE_ORDERS', '*.parquet');
  const session = await DuckdbSession.open();
  t.after(() => session.close());

  const [sums] = await session.queryText(
    `SELECT CAST(sum(SALES) AS VARCHAR) AS sales, CAST(sum(PROFIT) AS VARCHAR) AS profit, CAST(count(DISTINCT ROW_ID) AS VARCHAR) AS keys
     FROM (SELECT ROW_ID, SALES, PROFIT FROM read_parquet(${quoteLiteral(silver)}) UNION ALL SELECT ROW_ID, SALES, PROFIT FROM read_parquet(${quoteLiteral(quarantine)}))`,
  );
  assert.deepEqual(sums, { sales: TOTAL_SALES, profit: TOTAL_PROFIT, keys: '9994' }, 'no row lost, doubled or rounded');

  const [runIds] = await session.queryText(
    `SELECT string_agg(DISTINCT _aurora_run_id, ',') AS ids FROM (SELECT _aurora_run_id FROM read_parquet(${quoteLiteral(silver)}) UNION ALL SELECT _aurora_run_id FROM read_parquet(${quoteLiteral(quarantine)}))`,
  );
  assert.equal(runIds?.ids, outcome.run.runId, 'every row carries the id of the run that loaded it');

  const quarantined = await session.queryText(
    `SELECT _aurora_table AS t, _aurora_key AS k, CAST(len(_aurora_failures) AS VARCHAR) AS n, _aurora_failures[1].rule_id AS rule, _aurora_failures[1]."value" AS v, _aurora_failures[1].message_de AS de
     FROM read_parquet(${quoteLiteral(quarantine)}) WHERE CUSTOMER_ID = 'Dl-13600' ORDER BY ROW_ID LIMIT 1`,
  );
  assert.equal(quarantined[0]?.t, 'SUPERSTORE_ORDERS');
  assert.match(quarantined[0]?.k ?? '', /^\{"ROW_ID":"\d+"\}$/);
  assert.equal(quarantined[0]?.rule, 'customer_id_format');
  assert.equal(quarantined[0]?.v, 'Dl-13600');
  assert.match(quarantined[0]?.de ?? '', /Kundennummer/);

  const [columnTypes] = await session.queryText(
    `SELECT string_agg(column_name || ':' || column_type, ',' ORDER BY column_name) AS types FROM (DESCRIBE SELECT ORDER_DATE, SALES, QUANTITY FROM read_parquet(${quoteLiteral(silver)}))`,
  );
  assert.equal(columnTypes?.types, 'ORDER_DATE:DATE,QUANTITY:BIGINT,SALES:DECIMAL(12,4)', 'silver keeps the source types');

  assert.deepEqual(outcome.run.gold?.map((model) => [model.model, model.rows]), [['sales_by_region_month', 573]], 'gold models are built into the snapshot');
  const [goldSales] = await session.queryText(
    `SELECT CAST(sum(SALES) AS VARCHAR) AS sales FROM read_parquet(${quoteLiteral(path.join(lake, snapshot, 'gold', 'sales_by_region_month.parquet'))})`,
  );
  const [silverSales] = await session.queryText(`SELECT CAST(sum(SALES) AS VARCHAR) AS sales FROM read_parquet(${quoteLiteral(silver)})`);
  assert.equal(goldSales?.sales, silverSales?.sales, 'gold sums what silver holds');

  assert.ok(outcome.reportFolder);
  for (const name of ['report.de.html', 'report.en.html', 'report.json']) {
    assert.ok(existsSync(path.join(outcome.reportFolder, name)), name);
  }
  const record = JSON.parse(readFileSync(path.join(lake, 'runs', `${outcome.run.runId}.json`), 'utf8')) as { status: string };
  assert.equal(record.status, 'succeeded');
});

test('superstore from PostgreSQL gives the same counts as SQLite', async (t) => {
  const skip = await requireService('PostgreSQL', () => probePostgres());
  if (skip) {
    t.skip(skip);
    return;
  }
  const database = await createThrowawayPostgresDatabase();
  t.after(() => database.drop());
  await loadSuperstore(database.url, { replace: false });

  const outcome = await runServerSource(t, `type: postgres\nurl: ${database.url}`);
  assert.equal(outcome.error, undefined, outcome.run.error?.message.en);
  assert.equal(outcome.run.tables[0]?.rowsRead, 9994);
  assert.equal(outcome.run.tables[0]?.partitions, 3);
  assert.deepEqual(ruleCounts(outcome), sqliteCounts ?? ruleCounts((await runSqliteDemo(t)).outcome));
});

test('superstore from MariaDB gives the same counts as SQLite', async (t) => {
  const skip = await requireService('MariaDB', () => probeMysql());
  if (skip) {
    t.skip(skip);
    return;
  }
  const database = await createThrowawayMysqlDatabase();
  t.after(() => database.drop());
  await loadSuperstore(database.url, { replace: false });

  const outcome = await runServerSource(t, `type: mysql\nurl: ${database.url}`);
  assert.equal(outcome.error, undefined, outcome.run.error?.message.en);
  assert.equal(outcome.run.tables[0]?.rowsRead, 9994);
  assert.deepEqual(ruleCounts(outcome), sqliteCounts ?? ruleCounts((await runSqliteDemo(t)).outcome));
});
