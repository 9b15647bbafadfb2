import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import Database from 'better-sqlite3';

import { runCli } from '../helpers/cli.js';
import { writeDeployment } from '../helpers/deployment.js';
import { tempFolder } from '../helpers/temp-folder.js';

test('rows kept by deletes: ignore are not differences', (t) => {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const db = new Database(database);
  db.exec("CREATE TABLE T (ID INTEGER PRIMARY KEY, AMOUNT DECIMAL(10,2), UPDATED_AT TIMESTAMP); INSERT INTO T VALUES (1, '1.00', '2026-03-01 10:00:00'), (2, '2.00', '2026-03-01 10:00:00'), (3, '3.00', '2026-03-01 10:00:00')");
  db.close();
  const files = writeDeployment(folder, {
    source: 'type: sqlite\npath: legacy.sqlite',
    tables: '  - name: T\n    primary_key: ID\n    watermark_column: UPDATED_AT\n    deletes: ignore',
  });
  assert.equal(runCli(['run', '--config', files.config]).status, 0);

  const change = new Database(database);
  change.exec('DELETE FROM T WHERE ID = 2');
  change.close();
  assert.equal(runCli(['run', '--config', files.config, '--mode', 'delta']).status, 0);

  const result = runCli(['reconcile', '--config', files.config, '--json']);
  assert.equal(result.status, 0, result.stderr);
  const tables = (JSON.parse(result.stdout) as { result?: { tables: unknown[] }; tables?: unknown[] });
  const table = (tables.result?.tables ?? tables.tables)?.[0] as { difference: number; keptByPolicy?: number; differingKeys: number };
  assert.equal(table.difference, 0);
  assert.equal(table.keptByPolicy, 1);
  assert.equal(table.differingKeys, 0);
});

test('a source column the snapshot lacks is named, not an internal error', (t) => {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const db = new Database(database);
  db.exec("CREATE TABLE T (ID INTEGER PRIMARY KEY, AMOUNT DECIMAL(10,2)); INSERT INTO T VALUES (1, '1.00')");
  db.close();
  const files = writeDeployment(folder, { source: 'type: sqlite\npath: legacy.sqlite', tables: '  - name: T\n    primary_key: ID' });
  assert.equal(runCli(['run', '--config', files.config]).status, 0);

  const change = new Database(database);
  change.exec("ALTER TABLE T ADD COLUMN REGION TEXT DEFAULT 'Nord'");
  change.close();

  const result = runCli(['reconcile', '--config', files.config]);
  assert.equal(result.status, 7, result.stderr);
  assert.match(result.stderr, /\[RECONCILE_COLUMNS_DIFFER\].*T.*REGION/);
});
