import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import Database from 'better-sqlite3';

import { loadConfig } from '../../src/config/load-config.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { withPrimaryKeyRules } from '../../src/quality/primary-key-rules.js';
import type { TableRuleSet } from '../../src/quality/types.js';
import { writeDeployment } from '../helpers/deployment.js';
import { tempFolder } from '../helpers/temp-folder.js';

test('duplicate and NULL primary keys go to quarantine', async (t) => {
  const folder = tempFolder(t);
  const db = new Database(path.join(folder, 'legacy.sqlite'));
  db.exec('CREATE TABLE T (ID INTEGER, V TEXT)');
  db.exec("INSERT INTO T VALUES (1, 'a'), (1, 'b'), (NULL, 'c'), (2, 'd')");
  db.close();
  const files = writeDeployment(folder, { source: 'type: sqlite\npath: legacy.sqlite', tables: '  - name: T\n    primary_key: ID' });

  const outcome = await runFullLoad({ config: loadConfig(files.config, {}) });
  const table = outcome.run.tables[0];
  assert.equal(outcome.error, undefined, outcome.run.error?.message.en);
  assert.ok(table);
  assert.deepEqual(
    { silver: table.silverRows, quarantined: table.quarantinedRows },
    { silver: 1, quarantined: 3 },
  );
  const counts = Object.fromEntries(table.rules.map((rule) => [rule.ruleId, rule.failedRows]));
  assert.deepEqual(counts, { 'primary_key.not_null': 1, 'primary_key.unique': 2 });
});

test('composite keys get one not_null rule per column', () => {
  const ruleSet: TableRuleSet = { table: 'T', rules: [], files: [] };
  const rules = withPrimaryKeyRules(ruleSet, { name: 'T', sourceTable: 'T', primaryKey: ['A', 'B'], partitions: 1, schemaChanges: 'fail', lookbackSeconds: 0, deletes: 'remove', deleteCheckEvery: 1, silverPartRows: 131072 }, 'aurora.yaml').rules;
  assert.deepEqual(
    rules.map((rule) => rule.id),
    ['primary_key.not_null.A', 'primary_key.not_null.B', 'primary_key.unique'],
  );
});

test('rules the set already has are not added twice', () => {
  const origin = { file: 'r.yaml', line: 1, key: 'rules[0]' };
  const message = { de: 'x', en: 'x' };
  const ruleSet: TableRuleSet = {
    table: 'T',
    rules: [
      { id: 'id_unique', type: 'unique', severity: 'error', columns: ['ID'], origin, message },
      { id: 'id_present', type: 'not_null', severity: 'warn', column: 'ID', origin, message },
    ],
    files: [],
  };
  const rules = withPrimaryKeyRules(ruleSet, { name: 'T', sourceTable: 'T', primaryKey: ['ID'], partitions: 1, schemaChanges: 'fail', lookbackSeconds: 0, deletes: 'remove', deleteCheckEvery: 1, silverPartRows: 131072 }, 'aurora.yaml').rules;
  assert.deepEqual(
    rules.map((rule) => rule.id),
    ['primary_key.not_null', 'id_unique', 'id_present'],
    'a warn-level not_null does not replace the error-level key check',
  );
});
