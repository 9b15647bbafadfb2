import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { DuckDBInstance } from '@duckdb/node-api';

import { AuroraError } from '../../src/errors/aurora-error.js';
import type { FileProblem } from '../../src/errors/catalog.js';
import { quoteIdentifier } from '../../src/engine/sql-text.js';
import { compileRuleSet } from '../../src/quality/compile-rules.js';
import { loadRuleSets, parseDuration } from '../../src/quality/load-rules.js';
import type { TableRuleSet } from '../../src/quality/types.js';

const TABLES: ReadonlyMap<string, readonly string[]> = new Map([
  ['ORDERS', ['ORDER_ID', 'CUSTOMER_ID', 'STATUS', 'AMOUNT', 'ORDER_DATE', 'SHIP_DATE', 'PRICE_TEXT', 'DATE_TEXT']],
  ['CUSTOMERS', ['CUSTOMER_ID', 'NAME']],
  ['EMPTY', ['ID']],
]);

const folders: string[] = [];

after(() => {
  for (const folder of folders) {
    rmSync(folder, { recursive: true, force: true });
  }
});

function folderWith(files: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), 'aurora-rules-'));
  folders.push(folder);
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(folder, name), text);
  }
  return folder;
}

/** Loads a folder that must be invalid and returns its problems. */
async function problemsOf(files: Record<string, string>): Promise<FileProblem[]> {
  const folder = folderWith(files);
  let problems: FileProblem[] | undefined;
  await assert.rejects(loadRuleSets(folder, TABLES), (error: unknown) => {
    assert.ok(error instanceof AuroraError);
    assert.equal(error.code, 'RULES_INVALID');
    problems = (error as AuroraError<'RULES_INVALID'>).params.problems;
    return true;
  });
  assert.ok(problems);
  return problems;
}

const MESSAGE = `    message: { de: "Fehler", en: "Failure" }\n`;

describe('loadRuleSets valid files', () => {
  test('reads single-table file', async () => {
    const folder = folderWith({
      'orders.yaml': `table: ORDERS
max_quarantine_ratio: 0.05
rules:
  - id: amount-range
    type: range
    column: AMOUNT
    min: 0.0500
    max: 1e6
    max_inclusive: false
${MESSAGE}  - id: status
    type: accepted_values
    column: STATUS
    severity: warn
    values: [open, '007', 1.50, true]
${MESSAGE}  - id: fresh
    type: freshness
    column: ORDER_DATE
    max_age: 36h
${MESSAGE}`,
    });
    const ruleSets = await loadRuleSets(folder, TABLES);
    const orders = ruleSets.get('ORDERS') as TableRuleSet;
    assert.equal(orders.maxQuarantineRatio, 0.05);
    assert.deepEqual(orders.files, [join(folder, 'orders.yaml')]);

    const [range, status, fresh] = orders.rules;
    assert.equal(range?.type, 'range');
    assert.equal(range?.type === 'range' ? range.min : undefined, '0.0500');
    assert.equal(range?.type === 'range' ? range.max : undefined, '1e6');
    assert.equal(range?.type === 'range' ? range.maxInclusive : undefined, false);
    assert.equal(range?.type === 'range' ? range.minInclusive : undefined, true);
    assert.equal(range?.severity, 'error');
    assert.deepEqual(range?.origin, { file: join(folder, 'orders.yaml'), line: 4, key: 'rules[0]' });

    assert.equal(status?.severity, 'warn');
    assert.deepEqual(status?.type === 'accepted_values' ? status.values : undefined, ['open', '007', '1.50', 'true']);
    assert.equal(fresh?.type === 'freshness' ? fresh.maxAgeSeconds : undefined, 36 * 3600);
  });

  test('reads multi-table file', async () => {
    const folder = folderWith({
      'all.yml': `tables:
  ORDERS:
    rules:
      - id: fk
        type: relationship
        column: CUSTOMER_ID
        references: { table: CUSTOMERS, column: CUSTOMER_ID }
        message: { de: "Kunde fehlt", en: "Customer missing" }
  CUSTOMERS:
    max_quarantine_ratio: 0
    rules:
      - id: pk
        type: unique
        columns: [CUSTOMER_ID]
        message: { de: "Doppelt", en: "Duplicate" }
`,
      'notes.txt': 'not a rule file',
    });
    const ruleSets = await loadRuleSets(folder, TABLES);
    const fk = ruleSets.get('ORDERS')?.rules[0];
    assert.deepEqual(fk?.type === 'relationship' ? fk.references : undefined, { table: 'CUSTOMERS', columns: ['CUSTOMER_ID'] });
    assert.equal(fk?.origin.key, 'tables.ORDERS.rules[0]');
    assert.equal(fk?.origin.line, 4);
    assert.equal(ruleSets.get('CUSTOMERS')?.maxQuarantineRatio, 0);
  });

  test('tables without rules get empty set', async () => {
    const ruleSets = await loadRuleSets(folderWith({}), TABLES);
    assert.deepEqual(ruleSets.get('EMPTY'), { table: 'EMPTY', rules: [], files: [] });
    assert.equal(ruleSets.size, 3);
  });

  test('German convertible formats run', async () => {
    const folder = folderWith({
      'orders.yaml': `table: ORDERS
rules:
  - id: price
    type: convertible
    column: PRICE_TEXT
    to: number
    formats: [de]
${MESSAGE}  - id: date
    type: convertible
    column: DATE_TEXT
    to: date
    formats: ['%d.%m.%Y']
${MESSAGE}`,
    });
    const orders = (await loadRuleSets(folder, TABLES)).get('ORDERS') as TableRuleSet;

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`CREATE TABLE orders (ORDER_ID INTEGER, PRICE_TEXT VARCHAR, DATE_TEXT VARCHAR)`);
      await connection.run(`INSERT INTO orders VALUES (1, '1.234,56', '31.12.2025'), (2, '1,2,3', '2025-31-12'), (3, '7', '01.02.2024')`);
      const columns = ['ORDER_ID', 'PRICE_TEXT', 'DATE_TEXT'].map((name) => ({ name, duckdbType: 'VARCHAR' }));
      const compiled = await compileRuleSet(
        orders,
        { table: 'ORDERS', relation: quoteIdentifier('orders'), columns, resolveTable: () => undefined, runStartedAt: '2026-01-01T00:00:00Z' },
        connection,
      );
      const flags = compiled.rowRules.map((rule, index) => `(${rule.failedSql}) AS f_${index}`).join(', ');
      const rows = (await connection.runAndReadAll(`SELECT ORDER_ID, ${flags} FROM orders ORDER BY ORDER_ID`)).getRows();
      assert.deepEqual(rows, [
        [1, false, false],
        [2, true, true],
        [3, false, false],
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('loadRuleSets invalid files', () => {
  test('YAML syntax error has line', async () => {
    const problems = await problemsOf({ 'bad.yaml': 'table: ORDERS\nrules:\n  - id: x\n   type: [\n' });
    assert.equal(problems[0]?.file.endsWith('bad.yaml'), true);
    assert.equal(typeof problems[0]?.line, 'number');
    assert.match(problems[0]?.problem.en ?? '', /YAML syntax error/);
  });

  test('unknown rule type', async () => {
    const problems = await problemsOf({ 'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: not_empty\n    column: STATUS\n${MESSAGE}` });
    const problem = problems.find((entry) => entry.key === 'rules[0].type');
    assert.ok(problem, JSON.stringify(problems));
    assert.equal(problem.line, 4);
    assert.match(problem.problem.en, /Allowed: not_null/);
  });

  test('unknown key in rule', async () => {
    const problems = await problemsOf({ 'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: not_null\n    column: STATUS\n    regex: x\n${MESSAGE}` });
    assert.deepEqual(problems.map((entry) => [entry.key, entry.line]), [['rules[0].regex', 6]]);
  });

  test('unknown column with suggestion', async () => {
    const problems = await problemsOf({ 'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: not_null\n    column: Status\n${MESSAGE}` });
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.key, 'rules[0].column');
    assert.equal(problems[0]?.line, 5);
    assert.match(problems[0]?.problem.en ?? '', /Column Status does not exist in table ORDERS.*Did you mean STATUS\?/);
    assert.match(problems[0]?.problem.de ?? '', /Meinten Sie STATUS\?/);
  });

  test('missing message.en', async () => {
    const problems = await problemsOf({ 'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: not_null\n    column: STATUS\n    message: { de: "Fehlt" }\n` });
    assert.deepEqual(problems.map((entry) => entry.key), ['rules[0].message']);
    assert.match(problems[0]?.problem.en ?? '', /"en" is missing/);
  });

  test('duplicate id across files', async () => {
    const rule = `  - id: dup\n    type: not_null\n    column: STATUS\n${MESSAGE}`;
    const problems = await problemsOf({ 'a.yaml': `table: ORDERS\nrules:\n${rule}${rule}`, 'b.yaml': `table: ORDERS\nrules:\n${rule}` });
    assert.deepEqual(
      problems.map((entry) => [entry.file.slice(-6), entry.key, entry.line]),
      [
        ['a.yaml', 'rules[1].id', 7],
        ['b.yaml', 'rules[0].id', 3],
      ],
    );
    assert.match(problems[0]?.problem.en ?? '', /Rule id dup already exists/);
  });

  test('duplicate id after invalid rule', async () => {
    const bad = `  - id: dup\n    type: not_null\n    column: NOPE\n${MESSAGE}`;
    const good = `  - id: dup\n    type: not_null\n    column: STATUS\n${MESSAGE}`;
    const problems = await problemsOf({ 'a.yaml': `table: ORDERS\nrules:\n${bad}${good}` });
    assert.deepEqual(problems.map((entry) => entry.key), ['rules[0].column', 'rules[1].id']);
  });

  test('bad regex', async () => {
    const problems = await problemsOf({ 'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: pattern\n    column: STATUS\n    regex: 'a(b'\n${MESSAGE}` });
    assert.deepEqual(problems.map((entry) => entry.key), ['rules[0].regex']);
    assert.match(problems[0]?.problem.en ?? '', /Regular expression is invalid: .*missing \)/);
  });

  test('min above max', async () => {
    const problems = await problemsOf({ 'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: range\n    column: AMOUNT\n    min: 10.5\n    max: 9\n${MESSAGE}` });
    assert.deepEqual(problems.map((entry) => entry.key), ['rules[0].min']);
  });

  test('range without bounds', async () => {
    const problems = await problemsOf({ 'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: range\n    column: AMOUNT\n${MESSAGE}` });
    assert.match(problems[0]?.problem.en ?? '', /at least one bound/);
  });

  test('unknown duration', async () => {
    const problems = await problemsOf({ 'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: freshness\n    column: ORDER_DATE\n    max_age: 1 month\n${MESSAGE}` });
    assert.deepEqual(problems.map((entry) => entry.key), ['rules[0].max_age']);
  });

  test('unknown table and reference', async () => {
    const problems = await problemsOf({
      'r.yaml': `table: ORDER\nrules: []\n`,
      's.yaml': `table: ORDERS\nrules:\n  - id: fk\n    type: relationship\n    column: CUSTOMER_ID\n    references: { table: CUSTOMERS, column: CUST_ID }\n${MESSAGE}`,
    });
    assert.deepEqual(problems.map((entry) => entry.key), ['table', 'rules[0].references.column']);
    assert.match(problems[0]?.problem.en ?? '', /Table ORDER is not loaded/);
  });

  test('unsafe expression and where', async () => {
    const problems = await problemsOf({
      'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: expression\n    expression: "read_csv('/etc/passwd') IS NULL"\n${MESSAGE}  - id: y\n    type: not_null\n    column: STATUS\n    where: "STATUS IN (SELECT 1)"\n${MESSAGE}`,
    });
    assert.deepEqual(problems.map((entry) => entry.key), ['rules[0].expression', 'rules[1].where']);
  });

  test('bad convertible formats', async () => {
    const problems = await problemsOf({
      'r.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: convertible\n    column: PRICE_TEXT\n    to: number\n    formats: [german]\n${MESSAGE}  - id: y\n    type: convertible\n    column: DATE_TEXT\n    to: date\n    formats: ['DD.MM.YYYY']\n${MESSAGE}`,
    });
    assert.deepEqual(problems.map((entry) => entry.key), ['rules[0].formats[0]', 'rules[1].formats[0]']);
  });

  test('missing folder is invalid', async () => {
    const folder = join(tmpdir(), 'aurora-rules-does-not-exist');
    await assert.rejects(loadRuleSets(folder, TABLES), (error: unknown) => {
      assert.ok(error instanceof AuroraError);
      assert.equal(error.code, 'RULES_INVALID');
      assert.match(error.message, /Rules folder cannot be read: .*ENOENT/);
      return true;
    });
  });

  test('problems from all files collected', async () => {
    const problems = await problemsOf({ 'a.yaml': 'table: [\n', 'b.yaml': `table: ORDERS\nrules:\n  - id: x\n    type: not_null\n${MESSAGE}` });
    assert.deepEqual([...new Set(problems.map((entry) => entry.file.slice(-6)))], ['a.yaml', 'b.yaml']);
  });
});

describe('parseDuration', () => {
  for (const [text, seconds] of [
    ['36h', 129_600],
    ['7d', 604_800],
    ['90m', 5400],
    ['45s', 45],
    ['2w', 1_209_600],
    ['P1D', 86_400],
    ['PT36H', 129_600],
    ['P1DT12H30M', 131_400],
  ] as const) {
    test(`parses ${text}`, () => {
      assert.equal(parseDuration(text), seconds);
    });
  }

  for (const text of ['P1M', 'P1Y', 'P', 'PT', '0h', '1 month', 'h', '1.5h']) {
    test(`rejects ${text}`, () => {
      assert.equal(parseDuration(text), undefined);
    });
  }
});
