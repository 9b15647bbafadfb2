import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import Database from 'better-sqlite3';

import { diffSchemas } from '../../src/pipeline/schema-changes.js';
import { runCli } from '../helpers/cli.js';
import { readPublishedState, writeDeployment, type DeploymentFiles } from '../helpers/deployment.js';
import { tempFolder } from '../helpers/temp-folder.js';

function published(t: TestContext, policy?: 'fail' | 'evolve'): { files: DeploymentFiles; database: string } {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const db = new Database(database);
  db.exec("CREATE TABLE T (ID INTEGER PRIMARY KEY, AMOUNT DECIMAL(10,2), NOTE TEXT); INSERT INTO T VALUES (1, '1.50', 'a'), (2, '2.50', 'b')");
  db.close();
  const tables = `  - name: T\n    primary_key: ID${policy ? `\n    schema_changes: ${policy}` : ''}`;
  const files = writeDeployment(folder, { source: 'type: sqlite\npath: legacy.sqlite', tables });

  const first = runCli(['run', '--config', files.config]);
  assert.equal(first.status, 0, first.stderr);
  return { files, database };
}

function alter(database: string, sql: string): void {
  const db = new Database(database);
  db.exec(sql);
  db.close();
}

test('an added column stops the run by default', async (t) => {
  const { files, database } = published(t);
  const before = await readPublishedState(files.lake);
  alter(database, "ALTER TABLE T ADD COLUMN REGION TEXT DEFAULT 'Süd'");

  const result = runCli(['run', '--config', files.config]);
  assert.equal(result.status, 3, result.stderr);
  assert.match(result.stderr, /\[SCHEMA_CHANGED\]: Spalten in der Quelle haben sich seit Lauf \S+ geändert:\n\s+T:\n\s+- REGION: neu \(text\)/);
  assert.match(result.stderr, /schema_changes: evolve/);
  assert.deepEqual(await readPublishedState(files.lake), before);
});

test('evolve loads added, dropped and retyped columns and records them', async (t) => {
  const { files, database } = published(t, 'evolve');
  alter(
    database,
    "CREATE TABLE T2 (ID INTEGER PRIMARY KEY, AMOUNT DECIMAL(14,2), REGION TEXT); INSERT INTO T2 SELECT ID, AMOUNT, 'Nord' FROM T; DROP TABLE T; ALTER TABLE T2 RENAME TO T",
  );

  const result = runCli(['run', '--config', files.config, '--json']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /T: Spaltenänderungen übernommen: AMOUNT: decimal\(10,2\) → decimal\(14,2\), REGION: neu \(text\), NOTE: entfernt \(war text\)/);

  const run = JSON.parse(result.stdout) as { runId: string; tables: { schemaChanges?: unknown[] }[] };
  const expected = [
    { column: 'AMOUNT', kind: 'type_changed', oldType: 'decimal(10,2)', newType: 'decimal(14,2)' },
    { column: 'REGION', kind: 'added', newType: 'text' },
    { column: 'NOTE', kind: 'dropped', oldType: 'text' },
  ];
  assert.deepEqual(run.tables[0]?.schemaChanges, expected);
  const record = JSON.parse(readFileSync(path.join(files.lake, 'runs', `${run.runId}.json`), 'utf8')) as { tables: { schemaChanges?: unknown[] }[] };
  assert.deepEqual(record.tables[0]?.schemaChanges, expected, 'the run record keeps the changes');

  const again = runCli(['run', '--config', files.config, '--json']);
  assert.equal(again.status, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { tables: { schemaChanges?: unknown }[] }).tables[0]?.schemaChanges, undefined, 'an unchanged schema records nothing');
});

test('diffSchemas lists each kind of change', () => {
  assert.deepEqual(diffSchemas([{ name: 'A', type: 'integer' }], [{ name: 'A', type: 'integer' }]), []);
  assert.deepEqual(diffSchemas([{ name: 'A', type: 'integer' }], [{ name: 'A', type: 'bigint' }]), [
    { column: 'A', kind: 'type_changed', oldType: 'integer', newType: 'bigint' },
  ]);
});
