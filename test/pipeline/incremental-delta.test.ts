import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import Database from 'better-sqlite3';

import { loadConfig } from '../../src/config/load-config.js';
import { DuckdbSession } from '../../src/engine/duckdb-session.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import type { RunResult } from '../../src/pipeline/run-result.js';
import { renderRunSummaryText } from '../../src/reports/run-summary-text.js';
import { writeDeployment, type DeploymentFiles } from '../helpers/deployment.js';
import { sqliteStatements } from '../helpers/sqlite-statements.js';
import { tempFolder } from '../helpers/temp-folder.js';

const T_RULES = `table: T
rules:
  - id: amount_positive
    type: range
    column: AMOUNT
    min: 0
    min_inclusive: false
    message: { de: Betrag nicht positiv., en: Amount not positive. }
  - id: code_unique
    type: unique
    columns: [CODE]
    message: { de: Code doppelt., en: Duplicate code. }
  - id: parent_exists
    type: relationship
    columns: [PID]
    references: { table: P, columns: [PID] }
    message: { de: Elternsatz fehlt., en: Parent missing. }
`;

const ROWS = 5000;
const PART_ROWS = 1000;

interface Setup {
  folder: string;
  files: DeploymentFiles;
  sql: (statement: string) => void;
}

/** Returns update times one second apart, so that a delta's boundary contains one row, not all. */
function updatedAt(id: number): string {
  return new Date(Date.UTC(2026, 2, 1) + id * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Creates a child table T of 5,000 rows in parts of 1,000, pointing to 100 parents in P. Every
 * 97th row has a negative amount, and rows 20, 1020, … 4020 have no code. T is read by
 * watermark, P in full (key comparison).
 */
function setup(t: TestContext): Setup {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const sql = sqliteStatements(database);
  sql('CREATE TABLE P (PID INTEGER PRIMARY KEY, NAME TEXT)');
  sql(`INSERT INTO P VALUES ${Array.from({ length: 100 }, (_, index) => `(${index + 1}, 'Parent ${index + 1}')`).join(', ')}`);
  sql('CREATE TABLE T (ID INTEGER PRIMARY KEY, CODE TEXT, PID INTEGER, AMOUNT DECIMAL(10,2), UPDATED_AT TIMESTAMP)');
  const rows = Array.from({ length: ROWS }, (_, index) => {
    const id = index + 1;
    const code = id % 1000 === 20 ? 'NULL' : `'C${id}'`;
    return `(${id}, ${code}, ${(id % 100) + 1}, '${id % 97 === 0 ? '-' : ''}${id}.25', '${updatedAt(id)}')`;
  });
  sql(`INSERT INTO T VALUES ${rows.join(', ')}`);

  const files = writeDeployment(folder, {
    source: 'type: sqlite\npath: legacy.sqlite',
    tables: [
      '  - name: P\n    primary_key: PID',
      `  - name: T\n    primary_key: ID\n    watermark_column: UPDATED_AT\n    silver_part_rows: ${PART_ROWS}`,
    ].join('\n'),
    rules: { 't.yaml': T_RULES },
  });
  return { folder, files, sql };
}

async function load(files: DeploymentFiles, mode: 'full' | 'delta'): Promise<RunResult> {
  const outcome = await runFullLoad({ config: loadConfig(files.config), mode });
  assert.equal(outcome.run.status, 'succeeded', JSON.stringify(outcome.run.error));
  return outcome.run;
}

function tableResult(run: RunResult, table: string): RunResult['tables'][number] {
  const result = run.tables.find((entry) => entry.table === table);
  assert.ok(result, `run has table ${table}`);
  return result;
}

function snapshotFolder(files: DeploymentFiles): string {
  const pointer = JSON.parse(readFileSync(path.join(files.lake, 'CURRENT'), 'utf8')) as { snapshot: string };
  return path.join(files.lake, pointer.snapshot);
}

/** Published T as sorted lines: every source column of silver, and quarantine with its rule ids. */
async function publishedT(files: DeploymentFiles): Promise<{ silver: string[]; quarantine: string[] }> {
  const folder = snapshotFolder(files);
  const session = await DuckdbSession.open();
  try {
    const silver = await session.queryText(
      `SELECT concat_ws('|', ID, CODE, PID, AMOUNT, UPDATED_AT) AS line FROM read_parquet(${quoteLiteral(path.join(folder, 'silver', 'T', '*.parquet'))}) ORDER BY ID`,
    );
    const quarantine = await session.queryText(
      `SELECT concat_ws('|', ID, CODE, PID, AMOUNT, UPDATED_AT, array_to_string(list_sort([f.rule_id FOR f IN _aurora_failures]), ',')) AS line FROM read_parquet(${quoteLiteral(path.join(folder, 'quarantine', 'T', '*.parquet'))}) ORDER BY ID`,
    );
    return { silver: silver.map((row) => row.line ?? ''), quarantine: quarantine.map((row) => row.line ?? '') };
  } finally {
    session.close();
  }
}

/** Returns what a fresh full load of the same source publishes, for comparison with the delta. */
async function fullReloadOf(t: TestContext, setupFolder: string): Promise<{ silver: string[]; quarantine: string[] }> {
  const folder = tempFolder(t);
  const config = readFileSync(path.join(setupFolder, 'aurora.yaml'), 'utf8').replace('path: legacy.sqlite', `path: ${JSON.stringify(path.join(setupFolder, 'legacy.sqlite'))}`);
  const files = writeDeployment(folder, { source: 'type: sqlite\npath: unused', tables: '', rules: { 't.yaml': readFileSync(path.join(setupFolder, 'rules', 't.yaml'), 'utf8') } });
  writeFileSync(files.config, config);
  await load(files, 'full');
  return publishedT(files);
}

function inodes(folder: string): Map<string, number> {
  return new Map(readdirSync(folder).map((name) => [name, statSync(path.join(folder, name)).ino]));
}

test('delta rewrites only touched parts', async (t) => {
  const { folder, files, sql } = setup(t);
  const full = await load(files, 'full');
  assert.equal(tableResult(full, 'T').quarantinedRows, Math.floor(ROWS / 97));
  const before = inodes(path.join(snapshotFolder(files), 'silver', 'T'));
  assert.equal(before.size, ROWS / PART_ROWS + 1, 'the full load splits T into parts of 1,000 keys: 1–999, …, 4000–4999, 5000');

  // Changes in the last two key ranges only: one row breaks, one is fixed, one is new.
  sql(`UPDATE T SET AMOUNT = '-1.00', UPDATED_AT = '2026-03-02 08:00:00' WHERE ID = 4990`);
  sql(`UPDATE T SET AMOUNT = '4947.00', UPDATED_AT = '2026-03-02 08:00:00' WHERE ID = 4947`);
  sql(`INSERT INTO T VALUES (5001, 'C5001', 3, '1.00', '2026-03-02 08:00:00')`);

  const delta = await load(files, 'delta');
  const incremental = tableResult(delta, 'T').delta?.incremental;
  // Checked: the three changes and row 5000 at the watermark boundary. The other 50 quarantined
  // rows keep their recorded failures.
  assert.deepEqual(incremental, { checkedRows: 4, affectedRows: 0, filesRewritten: 2, filesKept: 4 });

  const summary = renderRunSummaryText(delta, 'de');
  assert.match(summary, /T {2}4 Zeilen geprüft \(Änderungen und 0 davon betroffene veröffentlichte Zeilen\)/);
  assert.match(summary, /2 von 6 Silver-Dateien neu geschrieben/);
  const report = JSON.parse(readFileSync(path.join(files.lake, 'reports', delta.runId, 'report.json'), 'utf8')) as {
    tables: { table: string; changes?: { incremental?: unknown } }[];
  };
  assert.deepEqual(report.tables.find((table) => table.table === 'T')?.changes?.incremental, incremental);

  const after = inodes(path.join(snapshotFolder(files), 'silver', 'T'));
  const linkedFiles = [...after].filter(([name, inode]) => before.get(name) === inode);
  assert.equal(linkedFiles.length, 4, 'four parts are the published files, linked and not copied');

  const published = await publishedT(files);
  assert.ok(published.quarantine.some((line) => line.startsWith('4990|')));
  assert.ok(published.silver.some((line) => line.startsWith('4947|C4947|48|4947.00')), 'the fixed row leaves quarantine');
  assert.deepEqual(published, await fullReloadOf(t, folder));

  await load(files, 'delta');
  assert.deepEqual(await publishedT(files), published, 'running the same delta twice changes nothing');
});

test('delta rechecks duplicate and orphan rows', async (t) => {
  const { folder, files, sql } = setup(t);
  await load(files, 'full');

  // A NULL code never makes a duplicate, so the other rows without a code are not affected.
  sql(`UPDATE T SET AMOUNT = '7.00', UPDATED_AT = '2026-03-01 23:00:00' WHERE ID = 3020`);
  const nullCode = await load(files, 'delta');
  assert.equal(tableResult(nullCode, 'T').delta?.incremental?.affectedRows, 0);
  assert.equal(tableResult(nullCode, 'T').delta?.incremental?.filesRewritten, 2, 'the part of row 3020 and of row 5000 at the boundary');

  // Row 4000 takes the code of row 10, which is in another part and does not change itself.
  sql(`UPDATE T SET CODE = 'C10', UPDATED_AT = '2026-03-02 08:00:00' WHERE ID = 4000`);
  const duplicate = await load(files, 'delta');
  assert.equal(tableResult(duplicate, 'T').delta?.incremental?.affectedRows, 1);
  let published = await publishedT(files);
  assert.ok(published.quarantine.some((line) => line.startsWith('10|C10|') && line.endsWith('code_unique')), 'the unchanged row 10 enters quarantine');
  assert.deepEqual(published, await fullReloadOf(t, folder));

  sql(`UPDATE T SET CODE = 'C4000', UPDATED_AT = '2026-03-03 08:00:00' WHERE ID = 4000`);
  await load(files, 'delta');
  published = await publishedT(files);
  assert.ok(published.silver.some((line) => line.startsWith('10|C10|')), 'row 10 leaves quarantine when the duplicate ends');
  assert.deepEqual(published, await fullReloadOf(t, folder));

  // Parent 8 disappears: its 50 children did not change, yet fail parent_exists now.
  sql('DELETE FROM P WHERE PID = 8');
  const orphaned = await load(files, 'delta');
  // One of them, 3007, is already quarantined for its amount and is checked again as well.
  assert.equal(tableResult(orphaned, 'T').delta?.incremental?.affectedRows, ROWS / 100);
  published = await publishedT(files);
  assert.equal(published.quarantine.filter((line) => line.split('|')[2] === '8').length, ROWS / 100);
  assert.deepEqual(published, await fullReloadOf(t, folder));

  sql(`INSERT INTO P VALUES (8, 'Parent 8')`);
  await load(files, 'delta');
  published = await publishedT(files);
  assert.deepEqual(
    published.quarantine.filter((line) => line.split('|')[2] === '8'),
    ['3007|C3007|8|-3007.25|2026-03-01 00:50:07|amount_positive'],
    'the children return when the parent does, but for the one with a negative amount',
  );
  assert.deepEqual(published, await fullReloadOf(t, folder));
});

test('delta after rule change checks everything', async (t) => {
  const { folder, files, sql } = setup(t);
  await load(files, 'full');

  writeFileSync(path.join(files.rules, 't.yaml'), T_RULES.replace('min: 0', 'min: 100'));
  sql(`UPDATE T SET AMOUNT = '5.00', UPDATED_AT = '2026-03-02 08:00:00' WHERE ID = 2`);
  const delta = await load(files, 'delta');
  assert.equal(tableResult(delta, 'T').delta?.incremental, undefined, 'results of the old rules are not kept');
  assert.equal(tableResult(delta, 'T').rules.find((rule) => rule.ruleId === 'amount_positive')?.rowsChecked, ROWS);
  assert.deepEqual(await publishedT(files), await fullReloadOf(t, folder));
});

test('dropped duplicate key leaves quarantine', async (t) => {
  const folder = tempFolder(t);
  const db = new Database(path.join(folder, 'legacy.sqlite'));
  // No PRIMARY KEY constraint, as in a legacy table that lets duplicates in.
  db.exec('CREATE TABLE D (ID INTEGER, CODE TEXT, UPDATED_AT TIMESTAMP)');
  db.exec(`INSERT INTO D VALUES ${Array.from({ length: 50 }, (_, index) => `(${index + 1}, 'C${index + 1}', '${updatedAt(index + 1)}')`).join(', ')}`);
  const files = writeDeployment(folder, {
    source: 'type: sqlite\npath: legacy.sqlite',
    tables: '  - name: D\n    primary_key: ID\n    watermark_column: UPDATED_AT\n    silver_part_rows: 1000',
  });
  await load(files, 'full');

  db.exec(`INSERT INTO D VALUES (25, 'copy', '2026-03-02 08:00:00')`);
  const duplicated = await load(files, 'delta');
  assert.equal(tableResult(duplicated, 'D').quarantinedRows, 2, 'both rows of key 25 are quarantined');

  db.exec(`DELETE FROM D WHERE CODE = 'copy'`);
  db.exec(`UPDATE D SET UPDATED_AT = '2026-03-03 08:00:00' WHERE ID = 3`);
  db.close();
  const repaired = await load(files, 'delta');
  assert.equal(tableResult(repaired, 'D').delta?.incremental, undefined, 'the table is read in full while its quarantine has a duplicated key');
  assert.equal(tableResult(repaired, 'D').quarantinedRows, 0);
  assert.equal(tableResult(repaired, 'D').silverRows, 50);

  const next = await load(files, 'delta');
  assert.ok(tableResult(next, 'D').delta?.incremental, 'with unique keys again, deltas check only what changed');
});

const W_RULES = `table: W
rules:
  - id: code_unique
    type: unique
    columns: [CODE]
    message: { de: Code doppelt., en: Duplicate code. }
  - id: amount_positive
    type: range
    column: AMOUNT
    min: 0
    min_inclusive: false
    message: { de: Betrag nicht positiv., en: Amount not positive. }
`;

/** Published W as sorted lines of silver and quarantine (with rule ids); NULL shows as ∅. */
async function publishedW(files: DeploymentFiles): Promise<{ silver: string[]; quarantine: string[] }> {
  const folder = snapshotFolder(files);
  const session = await DuckdbSession.open();
  const line = "concat_ws('|', ID, coalesce(CODE, '∅'), AMOUNT)";
  try {
    const silver = await session.queryText(`SELECT ${line} AS line FROM read_parquet(${quoteLiteral(path.join(folder, 'silver', 'W', '*.parquet'))}) ORDER BY ALL`);
    const quarantine = await session.queryText(
      `SELECT concat_ws('|', ${line}, array_to_string(list_sort([f.rule_id FOR f IN _aurora_failures]), ',')) AS line FROM read_parquet(${quoteLiteral(path.join(folder, 'quarantine', 'W', '*.parquet'))}) ORDER BY ALL`,
    );
    return { silver: silver.map((row) => row.line ?? ''), quarantine: quarantine.map((row) => row.line ?? '') };
  } finally {
    session.close();
  }
}

/**
 * Creates a table W of 3,000 rows without a watermark (and without a key constraint, as in a legacy
 * table), in silver parts of 1,000 keys. Key 3000 is alone in the fourth part and quarantined
 * like every 50th row for its negative amount, so silver has three files.
 */
function setupWithoutWatermark(t: TestContext, deletes: 'remove' | 'ignore' | 'tombstone'): { folder: string; files: DeploymentFiles; sql: (statement: string) => void } {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const sql = sqliteStatements(database);
  sql('CREATE TABLE W (ID INTEGER, CODE TEXT, AMOUNT DECIMAL(10,2))');
  sql(`INSERT INTO W VALUES ${Array.from({ length: 3000 }, (_, index) => `(${index + 1}, 'C${index + 1}', '${(index + 1) % 50 === 0 ? '-' : ''}${index + 1}.50')`).join(', ')}`);
  const files = writeDeployment(folder, {
    source: 'type: sqlite\npath: legacy.sqlite',
    tables: `  - name: W\n    primary_key: ID\n    silver_part_rows: 1000\n    deletes: ${deletes}\n    delete_check_every: 1`,
    rules: { 'w.yaml': W_RULES },
  });
  return { folder, files, sql };
}

/** Returns what a fresh full load of the same SQLite file publishes for W. */
async function fullReloadOfW(t: TestContext, setupFolder: string): Promise<{ silver: string[]; quarantine: string[] }> {
  const folder = tempFolder(t);
  const files = writeDeployment(folder, {
    source: `type: sqlite\npath: ${JSON.stringify(path.join(setupFolder, 'legacy.sqlite'))}`,
    tables: '  - name: W\n    primary_key: ID\n    silver_part_rows: 1000',
    rules: { 'w.yaml': W_RULES },
  });
  await load(files, 'full');
  return publishedW(files);
}

test('delta without watermark compares row hashes', async (t) => {
  const { folder, files, sql } = setupWithoutWatermark(t, 'remove');
  await load(files, 'full');
  const silverFolder = (): string => path.join(snapshotFolder(files), 'silver', 'W');
  const before = inodes(silverFolder());

  const unchanged = await load(files, 'delta');
  assert.deepEqual(tableResult(unchanged, 'W').delta?.incremental, { checkedRows: 0, affectedRows: 0, filesRewritten: 0, filesKept: 3 });
  assert.deepEqual(inodes(silverFolder()), before, 'an unchanged table keeps every published file');

  // A changed amount, an empty code that was a value and a deleted row in the middle part, and a
  // new row in the fourth part, which has no silver file yet.
  sql(`UPDATE W SET AMOUNT = '-1.00' WHERE ID = 1500`);
  sql(`UPDATE W SET CODE = '' WHERE ID = 1501`);
  sql('DELETE FROM W WHERE ID = 1200');
  sql(`INSERT INTO W VALUES (3001, 'C3001', '1.00')`);
  const changed = await load(files, 'delta');
  assert.deepEqual(tableResult(changed, 'W').delta?.incremental, { checkedRows: 3, affectedRows: 0, filesRewritten: 1, filesKept: 2 });
  assert.deepEqual(await publishedW(files), await fullReloadOfW(t, folder));

  // An empty string and NULL are different values, so this is a change as well.
  sql(`UPDATE W SET CODE = NULL WHERE ID = 1501`);
  const toNull = await load(files, 'delta');
  assert.equal(tableResult(toNull, 'W').delta?.incremental?.checkedRows, 1);
  assert.ok((await publishedW(files)).silver.includes('1501|∅|1501.50'));

  // An exact copy of a row: both copies are checked and quarantined for their key.
  sql('INSERT INTO W SELECT * FROM W WHERE ID = 2501');
  const duplicated = await load(files, 'delta');
  assert.equal(tableResult(duplicated, 'W').delta?.incremental?.checkedRows, 2);
  const published = await publishedW(files);
  assert.equal(published.quarantine.filter((line) => line.startsWith('2501|')).length, 2);
  assert.deepEqual(published, await fullReloadOfW(t, folder));

  await load(files, 'delta');
  assert.deepEqual(await publishedW(files), published, 'running the same delta twice changes nothing');
});

test('delta without watermark keeps deleted rows by policy', async (t) => {
  for (const deletes of ['ignore', 'tombstone'] as const) {
    const { files, sql } = setupWithoutWatermark(t, deletes);
    await load(files, 'full');
    sql('DELETE FROM W WHERE ID IN (10, 2000)');
    const delta = await load(files, 'delta');
    assert.ok(tableResult(delta, 'W').delta?.incremental, `${deletes}: the delta checks only what changed`);
    const silver = (await publishedW(files)).silver;
    if (deletes === 'ignore') {
      assert.ok(silver.includes('10|C10|10.50'), 'ignore keeps a row gone from the source');
    } else {
      assert.ok(!silver.some((line) => line.startsWith('10|')), 'tombstone removes it from silver');
      const session = await DuckdbSession.open();
      const tombstones = await session.queryText(`SELECT CAST(ID AS VARCHAR) AS id FROM read_parquet(${quoteLiteral(path.join(snapshotFolder(files), 'tombstones', 'W.parquet'))}) ORDER BY ID`);
      session.close();
      assert.deepEqual(tombstones.map((row) => row.id), ['10', '2000']);
    }
  }
});
