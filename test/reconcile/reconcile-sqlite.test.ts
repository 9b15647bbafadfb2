import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import Database from 'better-sqlite3';

import { loadConfig } from '../../src/config/load-config.js';
import { isAuroraError } from '../../src/errors/aurora-error.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import type { ReconcileResult } from '../../src/reconcile/types.js';
import { runCli } from '../helpers/cli.js';
import { writeDeployment, type DeploymentFiles } from '../helpers/deployment.js';
import { tempFolder } from '../helpers/temp-folder.js';

const ORDERS_DDL = `CREATE TABLE ORDERS (ORDER_ID INTEGER PRIMARY KEY, CUSTOMER TEXT, AMOUNT DECIMAL_TEXT(12,2), QUANTITY INTEGER, NOTE TEXT)`;

/** Creates an SQLite ORDERS table with `rows` orders and a deployment over it with 4 partitions. */
function createOrdersDeployment(t: TestContext, rows: number): { database: string; deployment: DeploymentFiles } {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const db = new Database(database);
  db.exec(ORDERS_DDL);
  const insert = db.prepare('INSERT INTO ORDERS VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let id = 1; id <= rows; id++) {
      insert.run(id, `C${id % 37}`, `${id}.${String(id % 100).padStart(2, '0')}`, id % 7, id % 5 === 0 ? null : `note ${id}`);
    }
  })();
  db.close();

  const deployment = writeDeployment(folder, {
    source: `type: sqlite\npath: ${JSON.stringify(database)}`,
    tables: '  - name: ORDERS\n    primary_key: ORDER_ID\n    partitions: 4',
    rules: {
      'orders.yaml': 'table: ORDERS\nrules:\n  - id: quantity_positive\n    type: expression\n    expression: QUANTITY > 0\n    message:\n      de: Menge muss positiv sein\n      en: Quantity must be positive\n',
    },
  });
  return { database, deployment };
}

async function loadAndPublish(config: string): Promise<void> {
  const outcome = await runFullLoad({ config: loadConfig(config, {}) });
  assert.equal(outcome.error, undefined, outcome.run.error?.message.en);
}

function modifySqlite(database: string, statements: string[]): void {
  const db = new Database(database);
  try {
    for (const statement of statements) {
      db.exec(statement);
    }
  } finally {
    db.close();
  }
}

test('reconcile after load matches', async (t) => {
  const { deployment } = createOrdersDeployment(t, 1000);
  await loadAndPublish(deployment.config);

  const { result, report } = await reconcile({ config: loadConfig(deployment.config, {}) });
  const [orders] = result.tables;
  assert.ok(orders);
  assert.equal(result.matches, true);
  assert.equal(orders.sourceRows, 1000);
  assert.equal(orders.silverRows + orders.quarantineRows, 1000);
  assert.ok(orders.quarantineRows > 0, 'the rule quarantines QUANTITY = 0, so both layers take part');
  assert.equal(orders.difference, 0);
  assert.equal(orders.measuresMatch, true);
  assert.deepEqual(
    orders.measures.map((measure) => measure.column),
    ['AMOUNT', 'QUANTITY'],
  );
  assert.equal(orders.measures[0]?.source, '500995.00', 'the amount sum is exact decimal text');
  assert.ok(orders.rangesChecked >= 1);
  assert.equal(orders.rangesDiffering, 0);
  assert.equal(orders.differingKeys, 0);
  assert.deepEqual(orders.keys, []);

  assert.ok(existsSync(report.json));
  assert.ok(existsSync(report.html.de));
  assert.ok(existsSync(report.html.en));
  assert.equal(path.basename(path.dirname(report.json)), result.runId);
  const written = JSON.parse(readFileSync(report.json, 'utf8')) as ReconcileResult;
  assert.equal(written.matches, true);
  assert.deepEqual(readdirSync(path.join(deployment.lake, 'tmp')).filter((name) => name.startsWith('reconcile-')), []);
});

test('reconcile CLI names differing keys', async (t) => {
  const { database, deployment } = createOrdersDeployment(t, 5000);
  await loadAndPublish(deployment.config);

  const matching = runCli(['reconcile', '--config', deployment.config]);
  assert.equal(matching.status, 0, matching.stderr);
  assert.match(matching.stdout, /Abweichende Schlüssel/);
  assert.match(matching.stdout, /5\.000/, 'German grouping of the row count');

  modifySqlite(database, [
    `UPDATE ORDERS SET NOTE = 'edited' WHERE ORDER_ID = 1234`,
    `DELETE FROM ORDERS WHERE ORDER_ID = 2500`,
    `INSERT INTO ORDERS VALUES (9001, 'C1', '1.00', 1, 'new')`,
  ]);

  const json = runCli(['reconcile', '--config', deployment.config, '--json']);
  assert.equal(json.status, 7, json.stderr);
  assert.match(json.stderr, /RECONCILE_DIFFERENCES/);
  const result = JSON.parse(json.stdout) as ReconcileResult;
  const [orders] = result.tables;
  assert.ok(orders);
  assert.equal(result.matches, false);
  assert.equal(orders.sourceRows, 5000);
  assert.equal(orders.difference, 0, 'one row deleted and one inserted keep the count');
  assert.equal(orders.differingKeys, 3);
  assert.equal(orders.keysNotListed, 0);
  assert.ok(orders.rangesDiffering >= 1);
  assert.deepEqual(orders.keys, [
    { kind: 'changed', key: { ORDER_ID: '1234' }, columns: ['NOTE'] },
    { kind: 'missing-in-source', key: { ORDER_ID: '2500' }, columns: [] },
    { kind: 'missing-in-target', key: { ORDER_ID: '9001' }, columns: [] },
  ]);
  assert.equal(orders.measuresMatch, false, 'the deleted and inserted amounts differ');

  const english = runCli(['reconcile', '--config', deployment.config, '--lang', 'en']);
  assert.equal(english.status, 7);
  assert.match(english.stdout, /Differing keys/);
  assert.match(english.stdout, /5,000/);
  assert.match(english.stdout, /ORDER_ID=1234: changed \(NOTE\)/);
  assert.match(english.stdout, /ORDER_ID=2500: missing in source/);
  assert.match(english.stdout, /ORDER_ID=9001: missing in snapshot/);
});

test('reconcile changed amount sums', async (t) => {
  const { database, deployment } = createOrdersDeployment(t, 200);
  await loadAndPublish(deployment.config);
  modifySqlite(database, [`UPDATE ORDERS SET AMOUNT = '17.01' WHERE ORDER_ID = 17`]);

  const { result } = await reconcile({ config: loadConfig(deployment.config, {}) });
  const [orders] = result.tables;
  assert.ok(orders);
  const amount = orders.measures.find((measure) => measure.column === 'AMOUNT');
  assert.deepEqual(amount, { column: 'AMOUNT', source: '20198.84', target: '20199.00', matches: false });
  assert.equal(orders.measures.find((measure) => measure.column === 'QUANTITY')?.matches, true);
  assert.deepEqual(orders.keys, [{ kind: 'changed', key: { ORDER_ID: '17' }, columns: ['AMOUNT'] }]);
});

test('reconcile caps listed keys at 100', async (t) => {
  const { database, deployment } = createOrdersDeployment(t, 1000);
  await loadAndPublish(deployment.config);
  modifySqlite(database, [`UPDATE ORDERS SET CUSTOMER = 'X' WHERE ORDER_ID % 4 = 0`]);

  const { result } = await reconcile({ config: loadConfig(deployment.config, {}) });
  const [orders] = result.tables;
  assert.ok(orders);
  assert.equal(orders.differingKeys, 250);
  assert.equal(orders.keys.length, 100);
  assert.equal(orders.keysNotListed, 150);
  assert.deepEqual(orders.keys[0], { kind: 'changed', key: { ORDER_ID: '4' }, columns: ['CUSTOMER'] });
});

test('reconcile composite primary key', async (t) => {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const db = new Database(database);
  db.exec('CREATE TABLE ORDER_ITEMS (ORDER_ID INTEGER, POSITION INTEGER, ARTICLE TEXT, PRICE DECIMAL_TEXT(10,2), PRIMARY KEY (ORDER_ID, POSITION))');
  const insert = db.prepare('INSERT INTO ORDER_ITEMS VALUES (?, ?, ?, ?)');
  for (let order = 1; order <= 300; order++) {
    for (let position = 1; position <= 3; position++) {
      insert.run(order, position, `A-${order}-${position}`, `${position}.50`);
    }
  }
  db.close();
  const deployment = writeDeployment(folder, {
    source: `type: sqlite\npath: ${JSON.stringify(database)}`,
    tables: '  - name: ORDER_ITEMS\n    primary_key: [ORDER_ID, POSITION]\n    partition_column: ORDER_ID\n    partitions: 3',
  });
  await loadAndPublish(deployment.config);

  const before = await reconcile({ config: loadConfig(deployment.config, {}) });
  assert.equal(before.result.matches, true);
  assert.deepEqual(before.result.tables[0]?.measures.map((measure) => measure.column), ['PRICE']);

  modifySqlite(database, [
    `UPDATE ORDER_ITEMS SET ARTICLE = 'B', PRICE = '9.99' WHERE ORDER_ID = 150 AND POSITION = 2`,
    `DELETE FROM ORDER_ITEMS WHERE ORDER_ID = 151 AND POSITION = 3`,
  ]);
  const after = await reconcile({ config: loadConfig(deployment.config, {}) });
  const [items] = after.result.tables;
  assert.ok(items);
  assert.deepEqual(items.keys, [
    { kind: 'changed', key: { ORDER_ID: '150', POSITION: '2' }, columns: ['ARTICLE', 'PRICE'] },
    { kind: 'missing-in-source', key: { ORDER_ID: '151', POSITION: '3' }, columns: [] },
  ]);
  assert.equal(items.difference, -1, 'the source has one row fewer than the snapshot');
});

test('reconcile hostile column names', async (t) => {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const db = new Database(database);
  db.exec(`CREATE TABLE "Bestell ""Daten""" ("Schlüssel 'id'" INTEGER PRIMARY KEY, "Betrag, €" DECIMAL_TEXT(9,2), "naïve ""col""" TEXT, "<b>x</b>" TEXT)`);
  const insert = db.prepare(`INSERT INTO "Bestell ""Daten""" VALUES (?, ?, ?, ?)`);
  for (let id = 1; id <= 150; id++) {
    insert.run(id, `${id}.25`, `wert ${id}`, id % 3 === 0 ? '' : null);
  }
  db.close();
  const deployment = writeDeployment(folder, {
    source: `type: sqlite\npath: ${JSON.stringify(database)}`,
    tables: `  - name: BESTELLUNG\n    source_table: 'Bestell "Daten"'\n    primary_key: "Schlüssel 'id'"\n    partitions: 2`,
  });
  await loadAndPublish(deployment.config);

  const before = await reconcile({ config: loadConfig(deployment.config, {}) });
  assert.equal(before.result.matches, true);

  modifySqlite(database, [`UPDATE "Bestell ""Daten""" SET "<b>x</b>" = NULL WHERE "Schlüssel 'id'" = 3`]);
  const after = await reconcile({ config: loadConfig(deployment.config, {}) });
  assert.deepEqual(after.result.tables[0]?.keys, [{ kind: 'changed', key: { "Schlüssel 'id'": '3' }, columns: ['<b>x</b>'] }], 'the empty string differs from NULL');

  const html = readFileSync(after.report.html.de, 'utf8');
  assert.ok(!html.includes('<b>x</b>'), 'column names are escaped in the HTML');
  assert.match(html, /&lt;b&gt;x&lt;\/b&gt;/);
});

test('reconcile before publish fails', async (t) => {
  const { deployment } = createOrdersDeployment(t, 10);

  await assert.rejects(
    reconcile({ config: loadConfig(deployment.config, {}) }),
    (error: unknown) => isAuroraError(error) && error.code === 'RECONCILE_NOTHING_PUBLISHED',
  );
  const cli = runCli(['reconcile', '--config', deployment.config, '--lang', 'en']);
  assert.equal(cli.status, 5);
  assert.match(cli.stderr, /RECONCILE_NOTHING_PUBLISHED/);
  assert.match(cli.stderr, /No snapshot has been published/);
});

test('reconcile unreachable source fails', async (t) => {
  const { deployment } = createOrdersDeployment(t, 10);
  await loadAndPublish(deployment.config);

  // The same lake, but the source now points at a closed loopback port.
  const config = path.join(path.dirname(deployment.config), 'unreachable.yaml');
  writeFileSync(
    config,
    [
      'source:',
      '  type: postgres',
      '  url: postgres://aurora:secret@127.0.0.1:1/erp',
      `lake: ${JSON.stringify(deployment.lake)}`,
      `rules: ${JSON.stringify(deployment.rules)}`,
      'tables:',
      '  - name: ORDERS',
      '    primary_key: ORDER_ID',
    ].join('\n'),
  );

  const cli = runCli(['reconcile', '--config', config, '--lang', 'en']);
  assert.equal(cli.status, 3, cli.stderr);
  assert.match(cli.stderr, /SOURCE_UNREACHABLE/);
  assert.doesNotMatch(cli.stderr, /secret/, 'the password is not shown');
  assert.equal(existsSync(path.join(deployment.lake, '.lock')), false, 'the lake lock is released');
  assert.deepEqual(readdirSync(path.join(deployment.lake, 'tmp')).filter((name) => name.startsWith('reconcile-')), []);
});

test('reconcile table missing from snapshot', async (t) => {
  const { database, deployment } = createOrdersDeployment(t, 10);
  await loadAndPublish(deployment.config);
  modifySqlite(database, ['CREATE TABLE EXTRA (ID INTEGER PRIMARY KEY)']);

  const config = loadConfig(deployment.config, {});
  const extended = { ...config, tables: [...config.tables, { ...config.tables[0]!, name: 'EXTRA', sourceTable: 'EXTRA', primaryKey: ['ID'] }] };
  await assert.rejects(
    reconcile({ config: extended }),
    (error: unknown) => isAuroraError(error) && error.code === 'RECONCILE_TABLE_NOT_IN_SNAPSHOT' && /EXTRA/.test(error.message),
  );
});
