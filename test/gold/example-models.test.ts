import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { DuckdbSession } from '../../src/engine/duckdb-session.js';
import { quoteIdentifier, quoteLiteral } from '../../src/engine/sql-text.js';
import { buildGoldModels, describeSilverFiles } from '../../src/gold/build-models.js';
import { loadModels } from '../../src/gold/load-models.js';
import { ERP_TABLES } from '../../src/samples/erp/tables.js';
import { SUPERSTORE_TABLE, superstoreCsvPath } from '../../src/samples/superstore.js';
import type { SampleColumnType } from '../../src/samples/targets/sample-target.js';
import { tempFolder } from '../helpers/temp-folder.js';

/** Returns the DuckDB type that the stand-in silver tables of these tests use for a sample column type. */
function duckdbTypeOf(type: SampleColumnType): string {
  if (typeof type === 'object') {
    return `DECIMAL(${type.decimal[0]}, ${type.decimal[1]})`;
  }
  const types: Record<string, string> = { integer: 'BIGINT', bigint: 'BIGINT', text: 'VARCHAR', date: 'DATE', timestamp: 'TIMESTAMP', timestamptz: 'TIMESTAMPTZ' };
  const duckdbType = types[type];
  assert.ok(duckdbType, `no DuckDB type for ${JSON.stringify(type)}`);
  return duckdbType;
}

async function openSession(t: TestContext): Promise<DuckdbSession> {
  const session = await DuckdbSession.open();
  t.after(() => session.close());
  return session;
}

test('superstore models over the real CSV', async (t) => {
  const folder = tempFolder(t, 'aurora-gold-superstore-');
  const session = await openSession(t);

  // Silver as a run would publish it: the CSV's values under the ERP column names and types.
  const names = SUPERSTORE_TABLE.columns.map((column) => quoteLiteral(column.name)).join(', ');
  const casts = SUPERSTORE_TABLE.columns.map((column) => `CAST(${quoteIdentifier(column.name)} AS ${duckdbTypeOf(column.type)}) AS ${quoteIdentifier(column.name)}`);
  const silverFile = join(folder, 'SUPERSTORE_ORDERS.parquet');
  await session.run(`COPY (
    SELECT ${casts.join(', ')}, 'run-1' AS _aurora_run_id
    FROM read_csv(${quoteLiteral(superstoreCsvPath())}, header = true, all_varchar = true, names = [${names}])
  ) TO ${quoteLiteral(silverFile)} (FORMAT parquet)`);
  const silver = new Map([['SUPERSTORE_ORDERS', silverFile]]);

  const models = await loadModels('examples/superstore/models', await describeSilverFiles(session, silver));
  assert.deepEqual(
    models.map((model) => model.name),
    ['sales_by_region_month'],
  );
  const columns = Object.fromEntries(models[0]!.columns.map((column) => [column.name, column.type]));
  assert.deepEqual(columns, {
    MONTH: 'DATE',
    REGION: 'VARCHAR',
    CATEGORY: 'VARCHAR',
    SALES: 'DECIMAL(38,4)',
    PROFIT: 'DECIMAL(38,4)',
    MARGIN: 'DECIMAL(9,4)',
    ORDERS: 'BIGINT',
  });

  const [result] = await buildGoldModels(session, models, silver, join(folder, 'gold'));
  assert.equal(result?.file, join(folder, 'gold', 'sales_by_region_month.parquet'));
  // 4 years x 12 months x 4 regions x 3 categories would be 576, but 3 combinations have no sales.
  assert.equal(result?.rows, 573);
  const [groups] = await session.queryText(
    `SELECT CAST(count(DISTINCT (date_trunc('month', ORDER_DATE), REGION, CATEGORY)) AS VARCHAR) AS GROUPS FROM read_parquet(${quoteLiteral(silverFile)})`,
  );
  assert.equal(groups?.GROUPS, '573');

  const gold = `read_parquet(${quoteLiteral(result!.file)})`;
  const [total] = await session.queryText(`SELECT CAST(sum(SALES) AS VARCHAR) AS SALES, CAST(sum(PROFIT) AS VARCHAR) AS PROFIT FROM ${gold}`);
  assert.equal(total?.SALES, '2297200.8603');
  assert.equal(total?.PROFIT, '286397.0217');

  const byRegion = await session.queryText(`SELECT REGION, CAST(sum(SALES) AS VARCHAR) AS SALES FROM ${gold} GROUP BY REGION ORDER BY REGION`);
  const silverByRegion = await session.queryText(
    `SELECT REGION, CAST(sum(SALES) AS VARCHAR) AS SALES FROM read_parquet(${quoteLiteral(silverFile)}) GROUP BY REGION ORDER BY REGION`,
  );
  assert.deepEqual(byRegion, silverByRegion);
  assert.deepEqual(
    byRegion.map((row) => row.REGION),
    ['Central', 'East', 'South', 'West'],
  );

  // Orders are counted per month, region and category, so an order with lines in two categories counts twice.
  const [orders] = await session.queryText(`SELECT CAST(count(DISTINCT ORDER_ID) AS VARCHAR) AS ORDERS FROM read_parquet(${quoteLiteral(silverFile)})`);
  const [goldOrders] = await session.queryText(`SELECT CAST(sum(ORDERS) AS VARCHAR) AS ORDERS FROM ${gold}`);
  assert.equal(orders?.ORDERS, '5009');
  assert.ok(Number(goldOrders?.ORDERS) >= 5009);

  const [margin] = await session.queryText(
    `SELECT CAST(MARGIN AS VARCHAR) AS MARGIN, CAST(round(CAST(PROFIT AS DOUBLE) / CAST(SALES AS DOUBLE), 4) AS VARCHAR) AS EXPECTED FROM ${gold} WHERE REGION = 'West' AND CATEGORY = 'Technology' AND MONTH = DATE '2017-12-01'`,
  );
  assert.equal(margin?.MARGIN, Number(margin?.EXPECTED).toFixed(4));
});

/** Rows per ERP table for the stand-in silver, in the column order of src/samples/erp/tables.ts. */
const ERP_ROWS: Record<string, string> = {
  PLANTS: `(1, 'ES', 'Werk Esslingen', 'Esslingen', 'DE'), (4, 'TC', 'Werk Taicang', 'Taicang', 'CN')`,
  CUSTOMERS: `(100, 'K100', 'Kunde A', 'GmbH', 'Weg 1', '70173', 'Stuttgart', 'DE', 'DE1', 30, 1000.00, 'N', TIMESTAMP '2015-01-01 08:00:00'),
              (200, 'K200', 'Kunde B', 'Ltd', 'Road 2', '215400', 'Taicang', 'CN', NULL, 60, 5000.00, 'N', TIMESTAMP '2015-01-01 08:00:00')`,
  ARTICLES: `(1, 'A1', 'Fräsmaschine', 'MACHINES', 'M', 'ST', 100000.00, 2000.000, 'J'),
             (2, 'A2', 'Spindel', 'SPARE_PARTS', 'S', 'ST', 500.00, 3.000, 'J')`,
  // Order 1 delivered late and invoiced, 2 delivered on time and invoiced, 3 open in CNY, 4 cancelled, 5 partly delivered in USD.
  ORDERS: `(1, 'MM-2024-00000001', 100, 1, DATE '2024-01-10', DATE '2024-02-01', DATE '2024-02-05', 'FA', 'EXW', 'EUR', 1000.50, '10.01.2024', '1.000,50', NULL, 'mk', NULL, NULL),
           (2, 'MM-2024-00000002', 100, 1, DATE '2024-01-20', DATE '2024-02-20', DATE '2024-02-10', 'AB', 'EXW', 'EUR', 500.25, '20.01.2024', '500,25', NULL, 'mk', NULL, NULL),
           (3, 'MM-2024-00000003', 200, 4, DATE '2024-02-03', DATE '2024-06-01', NULL, 'FR', 'FOB', 'CNY', 7800.00, '2024-02-03', '7800.00', NULL, 'mk', NULL, NULL),
           (4, 'MM-2024-00000004', 200, 4, DATE '2024-02-04', DATE '2024-06-01', NULL, 'ST', 'FOB', 'EUR', 999.00, '2024-02-04', '999.00', NULL, 'mk', NULL, NULL),
           (5, 'MM-2024-00000005', 200, 4, DATE '2024-02-05', DATE '2024-03-01', DATE '2024-03-01', 'TL', 'FOB', 'USD', 108.00, '2024-02-05', '108.00', NULL, 'mk', NULL, NULL)`,
  ORDER_ITEMS: `(1, 1, 1, 1.000, 'ST', 1000.00, 0.00, 1000.00), (1, 2, 2, 1.000, 'ST', 0.50, 0.00, 0.50),
                (2, 1, 2, 1.000, 'ST', 500.25, 0.00, 500.25),
                (3, 1, 1, 1.000, 'ST', 7800.00, 0.00, 7800.00),
                (4, 1, 2, 1.000, 'ST', 999.00, 0.00, 999.00),
                (5, 1, 2, 2.000, 'ST', 54.00, 0.00, 108.00)`,
  INVOICES: `(1, 'RE-2024-00000001', 1, 100, DATE '2024-02-06', DATE '2024-03-07', 'EUR', 1000.50, 19.00, 190.10, 1190.60, NULL, 0),
             (2, 'RE-2024-00000002', 2, 100, DATE '2024-02-12', DATE '2024-03-13', 'EUR', 500.25, 19.00, 95.05, 595.30, DATE '2024-03-01', 0)`,
};

test('mueller-erp models over stand-in silver', async (t) => {
  const folder = tempFolder(t, 'aurora-gold-erp-');
  const session = await openSession(t);

  const silver = new Map<string, string>();
  for (const table of ERP_TABLES) {
    const file = join(folder, `${table.name}.parquet`);
    const columns = table.columns.map((column) => `${quoteIdentifier(column.name)} ${duckdbTypeOf(column.type)}`).join(', ');
    await session.run(`CREATE TABLE ${quoteIdentifier(table.name)} (${columns}, _aurora_run_id VARCHAR DEFAULT 'run-1')`);
    const names = table.columns.map((column) => quoteIdentifier(column.name)).join(', ');
    await session.run(`INSERT INTO ${quoteIdentifier(table.name)} (${names}) VALUES ${ERP_ROWS[table.name]}`);
    await session.run(`COPY ${quoteIdentifier(table.name)} TO ${quoteLiteral(file)} (FORMAT parquet)`);
    await session.run(`DROP TABLE ${quoteIdentifier(table.name)}`);
    silver.set(table.name, file);
  }

  const models = await loadModels('examples/mueller-erp/models', await describeSilverFiles(session, silver));
  assert.deepEqual(
    models.map((model) => model.name),
    ['average_order_value', 'book_to_bill', 'on_time_delivery', 'order_backlog', 'order_intake', 'revenue'],
  );
  for (const model of models) {
    for (const measure of model.measures) {
      const type = model.columns.find((column) => column.name === measure.name)?.type ?? '';
      assert.match(type, /^(DECIMAL|BIGINT|HUGEINT)/, `${model.name}.${measure.name} has type ${type}`);
    }
  }

  const results = await buildGoldModels(session, models, silver, join(folder, 'gold'));
  const fileOf = (name: string): string => `read_parquet(${quoteLiteral(results.find((result) => result.model === name)!.file)})`;
  const rowsOf = async (name: string, columns: string[], order: string): Promise<Record<string, string | null>[]> =>
    session.queryText(`SELECT ${columns.map((column) => `CAST(${column} AS VARCHAR) AS ${column}`).join(', ')} FROM ${fileOf(name)} ORDER BY ${order}`);

  assert.deepEqual(await rowsOf('order_intake', ['MONTH', 'PLANT_ID', 'PRODUCT_GROUP', 'CURRENCY', 'ORDER_INTAKE', 'ORDER_INTAKE_EUR', 'ORDERS'], 'ALL'), [
    { MONTH: '2024-01-01', PLANT_ID: '1', PRODUCT_GROUP: 'MACHINES', CURRENCY: 'EUR', ORDER_INTAKE: '1000.00', ORDER_INTAKE_EUR: '1000.00', ORDERS: '1' },
    { MONTH: '2024-01-01', PLANT_ID: '1', PRODUCT_GROUP: 'SPARE_PARTS', CURRENCY: 'EUR', ORDER_INTAKE: '500.75', ORDER_INTAKE_EUR: '500.75', ORDERS: '2' },
    { MONTH: '2024-02-01', PLANT_ID: '4', PRODUCT_GROUP: 'MACHINES', CURRENCY: 'CNY', ORDER_INTAKE: '7800.00', ORDER_INTAKE_EUR: '1000.00', ORDERS: '1' },
    { MONTH: '2024-02-01', PLANT_ID: '4', PRODUCT_GROUP: 'SPARE_PARTS', CURRENCY: 'USD', ORDER_INTAKE: '108.00', ORDER_INTAKE_EUR: '100.00', ORDERS: '1' },
  ]);

  assert.deepEqual(await rowsOf('revenue', ['MONTH', 'PLANT_ID', 'CURRENCY', 'REVENUE', 'REVENUE_EUR', 'INVOICES'], 'ALL'), [
    { MONTH: '2024-02-01', PLANT_ID: '1', CURRENCY: 'EUR', REVENUE: '1500.75', REVENUE_EUR: '1500.75', INVOICES: '2' },
  ]);

  assert.deepEqual(await rowsOf('order_backlog', ['MONTH', 'PLANT_ID', 'OPEN_ORDERS', 'BACKLOG_EUR'], 'ALL'), [
    { MONTH: '2024-02-01', PLANT_ID: '4', OPEN_ORDERS: '2', BACKLOG_EUR: '1100.00' },
  ]);

  assert.deepEqual(await rowsOf('book_to_bill', ['MONTH', 'ORDER_INTAKE_EUR', 'REVENUE_EUR', 'BOOK_TO_BILL'], 'MONTH'), [
    { MONTH: '2024-01-01', ORDER_INTAKE_EUR: '1500.75', REVENUE_EUR: '0.00', BOOK_TO_BILL: null },
    { MONTH: '2024-02-01', ORDER_INTAKE_EUR: '1100.00', REVENUE_EUR: '1500.75', BOOK_TO_BILL: '0.7330' },
  ]);

  assert.deepEqual(await rowsOf('on_time_delivery', ['MONTH', 'PLANT_ID', 'DELIVERED_ORDERS', 'ON_TIME_ORDERS', 'ON_TIME_SHARE'], 'ALL'), [
    { MONTH: '2024-02-01', PLANT_ID: '1', DELIVERED_ORDERS: '2', ON_TIME_ORDERS: '1', ON_TIME_SHARE: '0.5000' },
    { MONTH: '2024-03-01', PLANT_ID: '4', DELIVERED_ORDERS: '1', ON_TIME_ORDERS: '1', ON_TIME_SHARE: '1.0000' },
  ]);

  assert.deepEqual(await rowsOf('average_order_value', ['MONTH', 'PLANT_ID', 'ORDERS', 'ORDER_INTAKE_EUR', 'AVERAGE_ORDER_VALUE_EUR'], 'ALL'), [
    { MONTH: '2024-01-01', PLANT_ID: '1', ORDERS: '2', ORDER_INTAKE_EUR: '1500.75', AVERAGE_ORDER_VALUE_EUR: '750.38' },
    { MONTH: '2024-02-01', PLANT_ID: '4', ORDERS: '2', ORDER_INTAKE_EUR: '1100.00', AVERAGE_ORDER_VALUE_EUR: '550.00' },
  ]);
});
