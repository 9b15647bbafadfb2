import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import Database from 'better-sqlite3';
import pg from 'pg';

import { loadErpSample } from '../../src/samples/erp/erp-sample.js';
import { ERP_TABLES } from '../../src/samples/erp/tables.js';
import { runCli } from '../helpers/cli.js';
import { createThrowawayPostgresDatabase, probePostgres, requireService } from '../helpers/services.js';
import { tempFolder } from '../helpers/temp-folder.js';

const ERP_TABLE_NAMES = ERP_TABLES.map((table) => table.name);
/** About 1,070 orders: the smallest scale the command accepts, so each load takes well under a second. */
const SMALL_SCALE = '0.0005';

function sqliteTables(file: string): string[] {
  const database = new Database(file, { readonly: true });
  try {
    return (database.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
  } finally {
    database.close();
  }
}

/** Lists the indexes created with CREATE INDEX on a table (SQLite names its key indexes sqlite_autoindex_*). */
function sqliteIndexes(file: string, table: string): string[] {
  const database = new Database(file, { readonly: true });
  try {
    const rows = database.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_autoindex_%' ORDER BY name").all(table) as { name: string }[];
    return rows.map((row) => row.name);
  } finally {
    database.close();
  }
}

async function postgresTables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name",
    );
    return result.rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

async function postgresQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

test('erp sample CLI loads SQLite and writes the manifest', (t) => {
  const folder = tempFolder(t, 'aurora-erp-cli-');
  const database = path.join(folder, 'erp.sqlite');
  const manifest = path.join(folder, 'out', 'manifest.json');

  const result = runCli(['--lang', 'en', 'sample', 'erp', '--scale', SMALL_SCALE, '--seed', '5', '--target', `sqlite:${database}`, '--manifest', manifest]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /ERP sample loaded: 1,074 orders/);
  assert.match(result.stdout, /Manifest with the expected failure counts: .*manifest\.json/);

  const written = JSON.parse(readFileSync(manifest, 'utf8')) as { seed: number; rows: Record<string, number> };
  assert.equal(written.seed, 5);
  assert.equal(written.rows.ORDERS, 1074);
  assert.deepEqual(sqliteTables(database), [...ERP_TABLE_NAMES].sort());
  assert.deepEqual(sqliteIndexes(database, 'ORDERS'), ['ORDERS_UPDATED_AT_idx'], 'delta extracts find changed orders through an index');
});

for (const [value, language, expected] of [
  ['0', 'de', /Ungültiger Wert 0 für --scale/],
  ['-1', 'en', /Invalid value -1 for --scale/],
  ['abc', 'en', /Invalid value "abc" for --scale/],
  ['', 'de', /Ungültiger Wert "" für --scale/],
  ['11', 'en', /Invalid value 11 for --scale: expected a number from 0\.0005 to 10/],
] as const) {
  test(`erp sample CLI rejects scale ${JSON.stringify(value)}`, (t) => {
    const folder = tempFolder(t, 'aurora-erp-cli-');
    const database = path.join(folder, 'erp.sqlite');
    const manifest = path.join(folder, 'manifest.json');

    const result = runCli(['--lang', language, 'sample', 'erp', '--scale', value, '--target', `sqlite:${database}`, '--manifest', manifest]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /SAMPLE_OPTION_INVALID/);
    assert.match(result.stderr, expected);
    assert.equal(existsSync(database), false, 'the target is not opened');
    assert.equal(existsSync(manifest), false, 'no manifest is written');
  });
}

test('erp sample CLI rejects bad seed and defect rate', (t) => {
  const folder = tempFolder(t, 'aurora-erp-cli-');
  const target = `sqlite:${path.join(folder, 'erp.sqlite')}`;

  const seed = runCli(['--lang', 'en', 'sample', 'erp', '--scale', SMALL_SCALE, '--seed', '1.5', '--target', target]);
  assert.equal(seed.status, 2);
  assert.match(seed.stderr, /Invalid value 1\.5 for --seed: expected a whole number/);

  const rate = runCli(['sample', 'erp', '--scale', SMALL_SCALE, '--defect-rate', '0.9', '--target', target]);
  assert.equal(rate.status, 2);
  assert.match(rate.stderr, /Ungültiger Wert 0\.9 für --defect-rate/);
});

test('erp sample CLI rejects unknown target scheme', () => {
  const german = runCli(['sample', 'erp', '--scale', SMALL_SCALE, '--target', 'oracle://erp-db/ORCL']);
  assert.equal(german.status, 2);
  assert.match(german.stderr, /SAMPLE_TARGET_INVALID.*Ziel oracle:\/\/erp-db\/ORCL ist ungültig: the scheme oracle: is not supported/);

  const english = runCli(['--lang', 'en', 'sample', 'erp', '--scale', SMALL_SCALE, '--target', 'oracle://erp-db/ORCL']);
  assert.equal(english.status, 2);
  assert.match(english.stderr, /Target oracle:\/\/erp-db\/ORCL is invalid/);
});

test('erp sample CLI reports unreachable target', (t) => {
  const folder = tempFolder(t, 'aurora-erp-cli-');
  const manifest = path.join(folder, 'manifest.json');

  const german = runCli(['sample', 'erp', '--scale', SMALL_SCALE, '--target', 'postgres://postgres:geheim@127.0.0.1:1/erp', '--manifest', manifest]);
  assert.equal(german.status, 3, german.stderr);
  assert.match(german.stderr, /SAMPLE_TARGET_UNREACHABLE.*postgres:\/\/postgres@127\.0\.0\.1:1\/erp ist nicht erreichbar/);
  assert.doesNotMatch(german.stderr, /geheim/, 'the password stays out of the message');

  const english = runCli(['--lang', 'en', 'sample', 'erp', '--scale', SMALL_SCALE, '--target', 'mysql://root@127.0.0.1:1/erp', '--manifest', manifest]);
  assert.equal(english.status, 3, english.stderr);
  assert.match(english.stderr, /Target mysql:\/\/root@127\.0\.0\.1:1\/erp is unreachable/);
  assert.equal(existsSync(manifest), false);
});

test('erp sample CLI rejects existing tables', async (t) => {
  const folder = tempFolder(t, 'aurora-erp-cli-');
  const database = path.join(folder, 'erp.sqlite');
  const first = await loadErpSample(`sqlite:${database}`, { scale: 0.0005, seed: 1 });

  const refused = runCli(['--lang', 'en', 'sample', 'erp', '--scale', SMALL_SCALE, '--seed', '2', '--target', `sqlite:${database}`, '--manifest', path.join(folder, 'm.json')]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /SAMPLE_TARGET_EXISTS/);
  assert.match(refused.stderr, /ORDERS/);
  assert.match(refused.stderr, /--replace/);

  const german = runCli(['sample', 'erp', '--scale', SMALL_SCALE, '--target', `sqlite:${database}`, '--manifest', path.join(folder, 'm.json')]);
  assert.equal(german.status, 2);
  assert.match(german.stderr, /existiert bereits.*Mit --replace ersetzen/);

  const replaced = runCli(['sample', 'erp', '--scale', SMALL_SCALE, '--seed', '2', '--replace', '--target', `sqlite:${database}`, '--manifest', path.join(folder, 'm.json')]);
  assert.equal(replaced.status, 0, replaced.stderr);
  const manifest = JSON.parse(readFileSync(path.join(folder, 'm.json'), 'utf8')) as { seed: number; checksums: Record<string, string> };
  assert.equal(manifest.seed, 2);
  assert.notEqual(manifest.checksums.ORDERS, first.checksums.ORDERS, 'seed 2 replaced the rows of seed 1');
});

test('erp sample CLI leaves no table when SQLite load fails midway', (t) => {
  const folder = tempFolder(t, 'aurora-erp-cli-');
  const file = path.join(folder, 'erp.sqlite');
  // An index takes the name ORDER_ITEMS, so the first four tables load and the fifth fails.
  const database = new Database(file);
  database.exec('CREATE TABLE LEGACY_NOTES (ID INTEGER PRIMARY KEY, TEXT TEXT); CREATE INDEX "ORDER_ITEMS" ON LEGACY_NOTES (TEXT);');
  database.close();

  const result = runCli(['--lang', 'en', 'sample', 'erp', '--scale', SMALL_SCALE, '--target', `sqlite:${file}`, '--manifest', path.join(folder, 'm.json')]);
  assert.equal(result.status, 3, result.stderr);
  assert.match(result.stderr, /SAMPLE_ERP_LOAD_FAILED/);
  assert.match(result.stderr, /failed at table ORDER_ITEMS/);
  assert.match(result.stderr, /No ERP table is left \(dropped: PLANTS, CUSTOMERS, ARTICLES, ORDERS\)/);
  assert.deepEqual(sqliteTables(file), ['LEGACY_NOTES'], 'only the table that was there before remains');
  assert.equal(existsSync(path.join(folder, 'm.json')), false);
});

test('erp sample CLI PostgreSQL failure cleanup', async (t) => {
  const skip = await requireService('PostgreSQL', () => probePostgres());
  if (skip) {
    t.skip(skip);
    return;
  }
  const database = await createThrowawayPostgresDatabase();
  t.after(() => database.drop());
  const folder = tempFolder(t, 'aurora-erp-cli-');

  await postgresQuery(database.url, 'CREATE TABLE "INVOICES" (legacy_id integer)');
  const refused = runCli(['--lang', 'en', 'sample', 'erp', '--scale', SMALL_SCALE, '--target', database.url, '--manifest', path.join(folder, 'm.json')]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /Table INVOICES already exists.*--replace/);
  assert.deepEqual(await postgresTables(database.url), ['INVOICES'], 'nothing was created');

  // A composite type takes the name ORDER_ITEMS, so CREATE TABLE fails after four tables are loaded.
  await postgresQuery(database.url, 'DROP TABLE "INVOICES"; CREATE TYPE "ORDER_ITEMS" AS (legacy_id integer)');
  const failed = runCli(['sample', 'erp', '--scale', SMALL_SCALE, '--target', database.url, '--manifest', path.join(folder, 'm.json')]);
  assert.equal(failed.status, 3, failed.stderr);
  assert.match(failed.stderr, /SAMPLE_ERP_LOAD_FAILED.*bei Tabelle ORDER_ITEMS fehlgeschlagen/);
  assert.match(failed.stderr, /Es bleibt keine ERP-Tabelle zurück/);
  assert.deepEqual(await postgresTables(database.url), [], 'no half-created ERP schema');
  assert.equal(existsSync(path.join(folder, 'm.json')), false);

  await postgresQuery(database.url, 'DROP TYPE "ORDER_ITEMS"');
  const loaded = runCli(['sample', 'erp', '--scale', SMALL_SCALE, '--target', database.url, '--manifest', path.join(folder, 'm.json')]);
  assert.equal(loaded.status, 0, loaded.stderr);
  assert.deepEqual(await postgresTables(database.url), [...ERP_TABLE_NAMES].sort());
});
