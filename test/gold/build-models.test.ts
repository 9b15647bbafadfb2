import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { DuckdbSession } from '../../src/engine/duckdb-session.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { AuroraError } from '../../src/errors/aurora-error.js';
import { buildGoldModels, describeSilverFiles } from '../../src/gold/build-models.js';
import { loadModels, type GoldModel } from '../../src/gold/load-models.js';
import { tempFolder } from '../helpers/temp-folder.js';

const AMOUNT_YAML = `description: {de: Beträge je Kunde., en: Amounts per customer.}
grain: [CUSTOMER]
dimensions: [CUSTOMER]
measures:
  - name: AMOUNT
    description: {de: Summe., en: Sum.}
  - name: ORDERS
    description: {de: Anzahl., en: Count.}
`;

const AMOUNT_SQL = `SELECT c.NAME AS CUSTOMER, sum(o.NET_AMOUNT) AS AMOUNT, count(*) AS ORDERS
FROM ORDERS o JOIN CUSTOMERS c ON c.CUSTOMER_ID = o.CUSTOMER_ID
GROUP BY ALL
ORDER BY CUSTOMER`;

interface Fixture {
  session: DuckdbSession;
  silver: Map<string, string>;
  folder: string;
}

/** Writes two silver Parquet files with typed columns and opens a session. */
async function silverFixture(t: TestContext): Promise<Fixture> {
  const folder = tempFolder(t, 'aurora-gold-');
  const session = await DuckdbSession.open();
  t.after(() => session.close());

  const silver = new Map([
    ['ORDERS', join(folder, 'ORDERS.parquet')],
    ['CUSTOMERS', join(folder, 'CUSTOMERS.parquet')],
  ]);
  await session.run(`COPY (
    SELECT * FROM (VALUES
      (1::BIGINT, 10::BIGINT, 'A1', 0.10::DECIMAL(14,2), 'run-1'),
      (2, 10, 'A2', 99999999999.99, 'run-1'),
      (3, 20, 'x', 0.20, 'run-1'),
      (4, 20, '7', 0.01, 'run-1')
    ) AS v(ORDER_ID, CUSTOMER_ID, CODE, NET_AMOUNT, _aurora_run_id)
  ) TO ${quoteLiteral(silver.get('ORDERS')!)} (FORMAT parquet)`);
  await session.run(`COPY (
    SELECT * FROM (VALUES (10::BIGINT, 'Acme'), (20, 'Brandt')) AS v(CUSTOMER_ID, NAME)
  ) TO ${quoteLiteral(silver.get('CUSTOMERS')!)} (FORMAT parquet)`);
  return { session, silver, folder };
}

async function loadFrom(t: TestContext, fixture: Fixture, files: Record<string, string>): Promise<GoldModel[]> {
  const modelsFolder = tempFolder(t, 'aurora-gold-models-');
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(modelsFolder, name), text);
  }
  return loadModels(modelsFolder, await describeSilverFiles(fixture.session, fixture.silver));
}

test('describeSilverFiles returns the Parquet columns', async (t) => {
  const fixture = await silverFixture(t);
  const tables = await describeSilverFiles(fixture.session, fixture.silver);
  assert.deepEqual(tables.get('ORDERS'), [
    { name: 'ORDER_ID', type: 'BIGINT' },
    { name: 'CUSTOMER_ID', type: 'BIGINT' },
    { name: 'CODE', type: 'VARCHAR' },
    { name: 'NET_AMOUNT', type: 'DECIMAL(14,2)' },
    { name: '_aurora_run_id', type: 'VARCHAR' },
  ]);
});

test('buildGoldModels writes exact decimal sums', async (t) => {
  const fixture = await silverFixture(t);
  const models = await loadFrom(t, fixture, { 'amount_by_customer.sql': AMOUNT_SQL, 'amount_by_customer.yaml': AMOUNT_YAML });
  const target = join(fixture.folder, 'gold');

  const results = await buildGoldModels(fixture.session, models, fixture.silver, target);

  assert.equal(results.length, 1);
  assert.equal(results[0]?.model, 'amount_by_customer');
  assert.equal(results[0]?.rows, 2);
  assert.equal(results[0]?.file, join(target, 'amount_by_customer.parquet'));
  assert.ok(results[0]!.ms >= 0);

  const file = quoteLiteral(results[0]!.file);
  const rows = await fixture.session.queryText(`SELECT CUSTOMER, CAST(AMOUNT AS VARCHAR) AS AMOUNT, CAST(ORDERS AS VARCHAR) AS ORDERS FROM read_parquet(${file}) ORDER BY CUSTOMER`);
  assert.deepEqual(rows, [
    { CUSTOMER: 'Acme', AMOUNT: '100000000000.09', ORDERS: '2' },
    { CUSTOMER: 'Brandt', AMOUNT: '0.21', ORDERS: '2' },
  ]);

  const types = await fixture.session.queryText(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${file}))`);
  assert.deepEqual(types, [
    { column_name: 'CUSTOMER', column_type: 'VARCHAR' },
    { column_name: 'AMOUNT', column_type: 'DECIMAL(38,2)' },
    { column_name: 'ORDERS', column_type: 'BIGINT' },
  ]);
});

test('buildGoldModels drops its silver views afterwards', async (t) => {
  const fixture = await silverFixture(t);
  const models = await loadFrom(t, fixture, { 'm.sql': AMOUNT_SQL, 'm.yaml': AMOUNT_YAML });
  await buildGoldModels(fixture.session, models, fixture.silver, join(fixture.folder, 'gold'));

  const views = await fixture.session.queryText("SELECT view_name FROM duckdb_views() WHERE NOT internal");
  assert.deepEqual(views, []);
});

test('buildGoldModels names model, file and error on failure', async (t) => {
  const fixture = await silverFixture(t);
  const failingSql = 'SELECT CODE AS CUSTOMER, sum(CAST(CODE AS INTEGER)) AS AMOUNT, count(*) AS ORDERS\nFROM ORDERS\nGROUP BY ALL';
  const models = await loadFrom(t, fixture, {
    'a_good.sql': AMOUNT_SQL,
    'a_good.yaml': AMOUNT_YAML,
    'b_cast.sql': failingSql,
    'b_cast.yaml': AMOUNT_YAML,
  });

  const target = join(fixture.folder, 'gold');
  const error = await buildGoldModels(fixture.session, models, fixture.silver, target).then(
    () => assert.fail('the failing model was built'),
    (caught: unknown) => caught,
  );

  assert.ok(error instanceof AuroraError);
  assert.equal(error.code, 'GOLD_MODEL_FAILED');
  assert.equal(error.exitCode, 4);
  const params = (error as AuroraError<'GOLD_MODEL_FAILED'>).params;
  assert.equal(params.model, 'b_cast');
  assert.equal(params.file, models[1]!.sqlFile);
  assert.match(params.detail, /^Conversion Error: Could not convert string 'A1' to INT32/);
  assert.doesNotMatch(params.detail, /\n/);
  assert.match(error.message, /^Gold model b_cast \(.*b_cast\.sql\) failed: Conversion Error/);
  assert.match(error.render('de'), /^Gold-Modell b_cast \(.*b_cast\.sql\) ist fehlgeschlagen: Conversion Error/);

  const views = await fixture.session.queryText('SELECT view_name FROM duckdb_views() WHERE NOT internal');
  assert.deepEqual(views, []);
});

test('buildGoldModels reports a missing silver table', async (t) => {
  const fixture = await silverFixture(t);
  const models = await loadFrom(t, fixture, { 'm.sql': AMOUNT_SQL, 'm.yaml': AMOUNT_YAML });
  const onlyOrders = new Map([['ORDERS', fixture.silver.get('ORDERS')!]]);

  await assert.rejects(
    buildGoldModels(fixture.session, models, onlyOrders, join(fixture.folder, 'gold')),
    (error: unknown) => error instanceof AuroraError && error.code === 'GOLD_MODEL_FAILED' && /silver table CUSTOMERS is missing/.test(error.message),
  );
});

test('buildGoldModels quotes table names in views', async (t) => {
  const fixture = await silverFixture(t);
  const silver = new Map([['Order Lines', fixture.silver.get('ORDERS')!]]);
  const folder = tempFolder(t, 'aurora-gold-models-');
  writeFileSync(join(folder, 'm.sql'), 'SELECT CODE AS CUSTOMER, sum(NET_AMOUNT) AS AMOUNT, count(*) AS ORDERS FROM "Order Lines" GROUP BY ALL');
  writeFileSync(join(folder, 'm.yaml'), AMOUNT_YAML);
  const models = await loadModels(folder, await describeSilverFiles(fixture.session, silver));

  const [result] = await buildGoldModels(fixture.session, models, silver, join(fixture.folder, 'gold'));
  assert.equal(result?.rows, 4);
});
