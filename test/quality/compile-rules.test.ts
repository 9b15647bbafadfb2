import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import { AuroraError } from '../../src/errors/aurora-error.js';
import { quoteIdentifier } from '../../src/engine/sql-text.js';
import { checkCondition, compileRuleSet, type CompileContext } from '../../src/quality/compile-rules.js';
import type { Rule, TableRuleSet } from '../../src/quality/types.js';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

after(() => {
  connection.closeSync();
  instance.closeSync();
});

/** A rule without the fields every test shares; distributes over the union so each type keeps its own fields. */
type RuleInput = Rule extends infer R ? (R extends Rule ? Omit<R, 'severity' | 'message' | 'origin'> & Partial<Pick<R, 'severity'>> : never) : never;

function rule(input: RuleInput): Rule {
  return {
    severity: 'error',
    message: { de: 'Fehler', en: 'Failure' },
    origin: { file: 'rules/test.yaml', line: 7, key: 'rules[0]' },
    ...input,
  } as Rule;
}

async function columnsOf(table: string): Promise<{ name: string; duckdbType: string }[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${quoteIdentifier(table)}`);
  return reader.getRowObjectsJS().map((row) => ({ name: String(row.column_name), duckdbType: String(row.column_type) }));
}

async function contextFor(table: string, runStartedAt = '2026-01-10T00:00:00Z'): Promise<CompileContext> {
  const columns = await columnsOf(table);
  const known = new Map<string, { relation: string; columns: { name: string; duckdbType: string }[] }>();
  for (const other of ['customers', 'orders']) {
    const exists = await connection.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name = '${other}'`);
    if (Number(exists.getRows()[0]?.[0]) > 0) {
      known.set(other, { relation: quoteIdentifier(other), columns: await columnsOf(other) });
    }
  }
  return { table, relation: quoteIdentifier(table), columns, resolveTable: (name) => known.get(name), runStartedAt };
}

function ruleSet(table: string, rules: Rule[]): TableRuleSet {
  return { table, rules, files: ['rules/test.yaml'] };
}

/** Compiles one row rule and returns the sorted keys of the rows it fails. */
async function failingKeys(table: string, input: RuleInput, key = 'ID'): Promise<string[]> {
  const context = await contextFor(table);
  const compiled = await compileRuleSet(ruleSet(table, [rule(input)]), context, connection);
  assert.equal(compiled.rowRules.length, 1);
  const [row] = compiled.rowRules;
  assert.ok(row);

  const flagged = `SELECT ${quoteIdentifier(key)} AS k, (${row.failedSql}) AS f, (${row.valueSql}) AS v FROM ${context.relation}`;
  const nulls = await connection.runAndReadAll(`SELECT count(*) FROM (${flagged}) WHERE f IS NULL`);
  assert.equal(Number(nulls.getRows()[0]?.[0]), 0, 'failedSql must never be NULL');

  const reader = await connection.runAndReadAll(`SELECT CAST(k AS VARCHAR) FROM (${flagged}) WHERE f ORDER BY k`);
  return reader.getRows().map((values) => String(values[0]));
}

/** Compiles one table rule and returns its single row. */
async function tableResult(table: string, input: RuleInput, runStartedAt?: string): Promise<{ failed: boolean; observed: string | null }> {
  const context = await contextFor(table, runStartedAt);
  const compiled = await compileRuleSet(ruleSet(table, [rule(input)]), context, connection);
  const [compiledRule] = compiled.tableRules;
  assert.ok(compiledRule);
  const rows = (await connection.runAndReadAll(compiledRule.sql)).getRowObjectsJS();
  assert.equal(rows.length, 1);
  const row = rows[0] as { failed: boolean; observed: string | null };
  return { failed: row.failed, observed: row.observed };
}

async function expectRulesInvalid(table: string, input: RuleInput, key: string, text: RegExp): Promise<void> {
  const context = await contextFor(table);
  await assert.rejects(compileRuleSet(ruleSet(table, [rule(input)]), context, connection), (error: unknown) => {
    assert.ok(error instanceof AuroraError);
    assert.equal(error.code, 'RULES_INVALID');
    const problems = (error as AuroraError<'RULES_INVALID'>).params.problems;
    assert.equal(problems[0]?.file, 'rules/test.yaml');
    assert.equal(problems[0]?.line, 7);
    assert.equal(problems[0]?.key, key);
    assert.match(problems[0]?.problem.en ?? '', text);
    assert.ok((problems[0]?.problem.de ?? '').length > 0);
    return true;
  });
}

describe('compileRuleSet row rules', () => {
  before(async () => {
    await connection.run(`
      CREATE TABLE orders (
        ID INTEGER, CUSTOMER_ID INTEGER, STATUS VARCHAR, AMOUNT DECIMAL(12,4), ORDER_DATE DATE, SHIP_DATE DATE,
        ZIP VARCHAR, CODE VARCHAR, REGION VARCHAR, PRICE_TEXT VARCHAR, DATE_TEXT VARCHAR
      )`);
    await connection.run(`
      INSERT INTO orders VALUES
        (1, 10, 'open',   0.0500, DATE '2025-01-01', DATE '2025-01-02', '12345',  'A', 'N', '1.234,56', '31.12.2025'),
        (2, 11, 'closed', 0.0499, DATE '2025-01-05', DATE '2025-01-04', '1234',   'A', 'S', '1,2,3',    '2025-31-12'),
        (3, 99, 'x',      100.0,  DATE '2019-12-31', NULL,              NULL,     'B', 'N', NULL,       ''),
        (4, NULL, NULL,   NULL,   NULL,              DATE '2025-02-01', 'abcde',  NULL, 'S', '  12  ',  '01.01.2024'),
        (5, 10, 'open',   50,     DATE '2025-03-01', DATE '2025-03-01', '99999',  NULL, 'N', '-7',      NULL)`);
    await connection.run(`CREATE TABLE customers (ID INTEGER, NAME VARCHAR)`);
    await connection.run(`INSERT INTO customers VALUES (10, 'Ada'), (11, 'Bo')`);
  });

  test('not_null fires on NULL only', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'nn', type: 'not_null', column: 'STATUS' }), ['4']);
    assert.deepEqual(await failingKeys('orders', { id: 'nn', type: 'not_null', column: 'ID' }), []);
  });

  test('unique ignores NULL keys', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'u', type: 'unique', columns: ['CODE'] }), ['1', '2']);
    assert.deepEqual(await failingKeys('orders', { id: 'u', type: 'unique', columns: ['ID'] }), []);
  });

  test('unique on several columns', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'u', type: 'unique', columns: ['CUSTOMER_ID', 'STATUS'] }), ['1', '5']);
    assert.deepEqual(await failingKeys('orders', { id: 'u', type: 'unique', columns: ['CODE', 'REGION'] }), []);
  });

  test('unique counts only rows in where scope', async () => {
    const keys = await failingKeys('orders', { id: 'u', type: 'unique', columns: ['REGION'], where: "STATUS = 'open'" });
    assert.deepEqual(keys, ['1', '5']);
  });

  test('accepted_values compares as text', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'a', type: 'accepted_values', column: 'STATUS', values: ['open', 'closed'] }), ['3']);
    assert.deepEqual(await failingKeys('orders', { id: 'a', type: 'accepted_values', column: 'STATUS', values: ['open', 'closed', 'x'] }), []);
    assert.deepEqual(await failingKeys('orders', { id: 'a', type: 'accepted_values', column: 'ID', values: ['1', '2', '3', '4'] }), ['5']);
  });

  test('range keeps decimal bound exact', async () => {
    const keys = await failingKeys('orders', {
      id: 'r', type: 'range', column: 'AMOUNT', min: '0.0500', max: '100', minInclusive: true, maxInclusive: false,
    });
    assert.deepEqual(keys, ['2', '3']);
    const none = await failingKeys('orders', { id: 'r', type: 'range', column: 'AMOUNT', min: '0', minInclusive: true, maxInclusive: true });
    assert.deepEqual(none, []);
  });

  test('range on dates casts bound', async () => {
    const keys = await failingKeys('orders', { id: 'r', type: 'range', column: 'ORDER_DATE', min: '2020-01-01', minInclusive: true, maxInclusive: true });
    assert.deepEqual(keys, ['3']);
    const none = await failingKeys('orders', { id: 'r', type: 'range', column: 'ORDER_DATE', max: '2030-01-01', minInclusive: true, maxInclusive: true });
    assert.deepEqual(none, []);
  });

  test('range bound of wrong type is invalid', async () => {
    await expectRulesInvalid('orders', { id: 'r', type: 'range', column: 'ORDER_DATE', min: 'yesterday', minInclusive: true, maxInclusive: true }, 'rules[0].min', /does not fit type DATE/);
  });

  test('pattern matches whole value', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'p', type: 'pattern', column: 'ZIP', regex: '\\d{5}' }), ['2', '4']);
    assert.deepEqual(await failingKeys('orders', { id: 'p', type: 'pattern', column: 'ZIP', regex: '[0-9a-e]+' }), []);
  });

  test('length counts characters', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'l', type: 'length', column: 'ZIP', min: 5, max: 5 }), ['2']);
    assert.deepEqual(await failingKeys('orders', { id: 'l', type: 'length', column: 'ZIP', max: 10 }), []);
  });

  test('convertible German numbers', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'c', type: 'convertible', column: 'PRICE_TEXT', to: 'number', formats: ['de'] }), ['2']);
    assert.deepEqual(await failingKeys('orders', { id: 'c', type: 'convertible', column: 'PRICE_TEXT', to: 'number', formats: ['plain'] }), ['1', '2']);
  });

  test('convertible dates skip NULL and blank', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'c', type: 'convertible', column: 'DATE_TEXT', to: 'date', formats: ['%d.%m.%Y'] }), ['2']);
    const both = await failingKeys('orders', { id: 'c', type: 'convertible', column: 'DATE_TEXT', to: 'date', formats: ['%d.%m.%Y', '%Y-%d-%m'] });
    assert.deepEqual(both, []);
  });

  test('relationship skips NULL foreign keys', async () => {
    const keys = await failingKeys('orders', { id: 'fk', type: 'relationship', columns: ['CUSTOMER_ID'], references: { table: 'customers', columns: ['ID'] } });
    assert.deepEqual(keys, ['3']);
    const none = await failingKeys('orders', {
      id: 'fk', type: 'relationship', columns: ['CUSTOMER_ID'], references: { table: 'customers', columns: ['ID'] }, where: 'ID <> 3',
    });
    assert.deepEqual(none, []);
  });

  test('relationship to unknown table is invalid', async () => {
    await expectRulesInvalid('orders', { id: 'fk', type: 'relationship', columns: ['CUSTOMER_ID'], references: { table: 'nope', columns: ['ID'] } }, 'rules[0].references.table', /not loaded/);
  });

  test('expression fails on false only', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'e', type: 'expression', expression: 'SHIP_DATE >= ORDER_DATE' }), ['2']);
    assert.deepEqual(await failingKeys('orders', { id: 'e', type: 'expression', expression: 'coalesce(CUSTOMER_ID, 0) + ID > 0' }), []);
  });

  test('expression value lists its columns', async () => {
    const context = await contextFor('orders');
    const compiled = await compileRuleSet(ruleSet('orders', [rule({ id: 'e', type: 'expression', expression: 'SHIP_DATE >= ORDER_DATE' })]), context, connection);
    const reader = await connection.runAndReadAll(`SELECT ${compiled.rowRules[0]?.valueSql} FROM orders WHERE ID = 3`);
    assert.equal(reader.getRows()[0]?.[0], 'SHIP_DATE=NULL, ORDER_DATE=2019-12-31');
  });

  test('where limits rule to matching rows', async () => {
    assert.deepEqual(await failingKeys('orders', { id: 'w', type: 'not_null', column: 'SHIP_DATE', where: "REGION = 'N'" }), ['3']);
    assert.deepEqual(await failingKeys('orders', { id: 'w', type: 'not_null', column: 'SHIP_DATE', where: "REGION = 'S'" }), []);
    assert.deepEqual(await failingKeys('orders', { id: 'w', type: 'not_null', column: 'SHIP_DATE', where: 'CUSTOMER_ID > 50' }), ['3']);
  });

  test('all row rules in one SELECT', async () => {
    const rules = [
      rule({ id: 'nn', type: 'not_null', column: 'STATUS' }),
      rule({ id: 'u', type: 'unique', columns: ['CODE'] }),
      rule({ id: 'a', type: 'accepted_values', column: 'STATUS', values: ['open', 'closed'] }),
      rule({ id: 'r', type: 'range', column: 'ORDER_DATE', min: '2020-01-01', minInclusive: true, maxInclusive: true }),
      rule({ id: 'p', type: 'pattern', column: 'ZIP', regex: '\\d{5}', where: "REGION = 'S'" }),
      rule({ id: 'l', type: 'length', column: 'ZIP', max: 4 }),
      rule({ id: 'c', type: 'convertible', column: 'PRICE_TEXT', to: 'number', formats: ['de', 'en'] }),
      rule({ id: 'fk', type: 'relationship', columns: ['CUSTOMER_ID'], references: { table: 'customers', columns: ['ID'] } }),
      rule({ id: 'e', type: 'expression', expression: 'SHIP_DATE >= ORDER_DATE' }),
      rule({ id: 'rc', type: 'row_count', min: 1 }),
    ];
    const context = await contextFor('orders');
    const compiled = await compileRuleSet(ruleSet('orders', rules), context, connection);
    assert.equal(compiled.rowRules.length, 9);
    assert.equal(compiled.tableRules.length, 1);

    const flags = compiled.rowRules.map((row, index) => `(${row.failedSql}) AS f_${index}`).join(', ');
    const reader = await connection.runAndReadAll(`SELECT ID, ${flags} FROM ${context.relation} ORDER BY ID`);
    assert.deepEqual(reader.getRows(), [
      [1, false, true, false, false, false, true, false, false, false],
      [2, false, true, false, false, true, false, true, false, true],
      [3, false, false, true, true, false, false, false, true, false],
      [4, true, false, false, false, true, true, false, false, false],
      [5, false, false, false, false, false, true, false, false, false],
    ]);
  });

  test('unknown column is invalid with suggestion', async () => {
    await expectRulesInvalid('orders', { id: 'nn', type: 'not_null', column: 'Status' }, 'rules[0].column', /Did you mean STATUS\?/);
  });
});

describe('compileRuleSet table rules', () => {
  before(async () => {
    await connection.run(`CREATE TABLE events (ID INTEGER, KIND VARCHAR, CREATED_AT TIMESTAMPTZ)`);
    await connection.run(`
      INSERT INTO events VALUES
        (1, 'a', TIMESTAMPTZ '2026-01-09T00:00:00Z'),
        (2, 'b', TIMESTAMPTZ '2026-01-01T00:00:00Z'),
        (3, 'b', NULL)`);
  });

  test('row_count outside bounds fails', async () => {
    assert.deepEqual(await tableResult('events', { id: 'rc', type: 'row_count', min: 4 }), { failed: true, observed: '3' });
    assert.deepEqual(await tableResult('events', { id: 'rc', type: 'row_count', max: 2 }), { failed: true, observed: '3' });
  });

  test('row_count inside bounds passes', async () => {
    assert.deepEqual(await tableResult('events', { id: 'rc', type: 'row_count', min: 3, max: 3 }), { failed: false, observed: '3' });
    assert.deepEqual(await tableResult('events', { id: 'rc', type: 'row_count', max: 2, where: "KIND = 'b'" }), { failed: false, observed: '2' });
  });

  test('freshness compares newest value', async () => {
    const fresh = await tableResult('events', { id: 'f', type: 'freshness', column: 'CREATED_AT', maxAgeSeconds: 36 * 3600 }, '2026-01-10T00:00:00Z');
    assert.equal(fresh.failed, false);
    assert.match(fresh.observed ?? '', /^2026-01-09/);
    const stale = await tableResult('events', { id: 'f', type: 'freshness', column: 'CREATED_AT', maxAgeSeconds: 12 * 3600 }, '2026-01-10T00:00:00Z');
    assert.equal(stale.failed, true);
  });

  test('freshness with where scope', async () => {
    const result = await tableResult('events', { id: 'f', type: 'freshness', column: 'CREATED_AT', maxAgeSeconds: 7 * 86_400, where: "KIND = 'b'" }, '2026-01-10T00:00:00Z');
    assert.equal(result.failed, true);
    assert.match(result.observed ?? '', /^2026-01-01/);
  });

  test('freshness without values fails', async () => {
    const result = await tableResult('events', { id: 'f', type: 'freshness', column: 'CREATED_AT', maxAgeSeconds: 86_400, where: 'ID > 100' });
    assert.deepEqual(result, { failed: true, observed: null });
  });
});

describe('compileRuleSet hostile input', () => {
  before(async () => {
    await connection.run(`CREATE TABLE hostile ("select" VARCHAR, "a ""b""" VARCHAR, "with space" INTEGER, "Größe" DECIMAL(6,2), "1st" VARCHAR)`);
    await connection.run(`
      INSERT INTO hostile VALUES
        ('''; DROP TABLE hostile; --', 'O''Brien',   1, 1.50, 'α'),
        ('ok',                          'say "hi"',  2, 9.99, 'ß✓'),
        (NULL,                          'x',         3, 10.00, 'b')`);
  });

  test('hostile names and values in accepted_values', async () => {
    const keys = await failingKeys('hostile', { id: 'a', type: 'accepted_values', column: 'select', values: ["'; DROP TABLE hostile; --", 'nope'] }, 'with space');
    assert.deepEqual(keys, ['2']);
    const quoted = await failingKeys('hostile', { id: 'a', type: 'accepted_values', column: 'a "b"', values: ["O'Brien", 'say "hi"'] }, 'with space');
    assert.deepEqual(quoted, ['3']);
    const unicode = await failingKeys('hostile', { id: 'a', type: 'accepted_values', column: '1st', values: ['α', 'ß✓'] }, 'with space');
    assert.deepEqual(unicode, ['3']);
  });

  test('hostile names in pattern and range', async () => {
    assert.deepEqual(await failingKeys('hostile', { id: 'p', type: 'pattern', column: 'select', regex: "[^';]*" }, 'with space'), ['1']);
    const range = await failingKeys('hostile', { id: 'r', type: 'range', column: 'Größe', max: '9.99', minInclusive: true, maxInclusive: true }, 'with space');
    assert.deepEqual(range, ['3']);
    const literal = await failingKeys('hostile', { id: 'r', type: 'range', column: 'a "b"', min: "P'", minInclusive: true, maxInclusive: true }, 'with space');
    assert.deepEqual(literal, ['1']);
  });

  test('hostile names in expressions', async () => {
    const keys = await failingKeys('hostile', { id: 'e', type: 'expression', expression: '"with space" < 3 AND "Größe" < 10 AND "1st" <> \'\'' }, 'with space');
    assert.deepEqual(keys, ['3']);
    const tables = await connection.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'hostile'`);
    assert.equal(Number(tables.getRows()[0]?.[0]), 1);
  });
});

describe('checkCondition', () => {
  const columns = ['SHIP_DATE', 'ORDER_DATE', 'a', 'b', 'x'];

  for (const [condition, reason] of [
    ['(SELECT 1)', /Subqueries/],
    ["read_csv('/etc/passwd') IS NULL", /Function read_csv is not allowed/],
    ['x IN (SELECT 1)', /Subqueries/],
    ["x IN (SELECT name FROM read_csv('/etc/passwd'))", /Subqueries/],
    ["getenv('HOME') = ''", /Function getenv is not allowed/],
    ["current_setting('home_directory') = ''", /Function current_setting is not allowed/],
    ['1; DROP TABLE t', /invalid/],
    ['a > 1) FROM t; DROP TABLE t; SELECT (1', /invalid|exactly one/],
    ['a) , (b', /exactly one/],
    ['a > 1 --', /comments/],
    ['a) FROM aurora_rule_table --', /comments/],
    ["a /* x */ > 1", /comments/],
    ['missing_column > 1', /Column missing_column does not exist/],
    ['t.a > 1', /prefix/],
    ['count(*) > 1', /Function count_star is not allowed|Function count is not allowed/],
    ['sum(a) OVER () > 1', /WINDOW/],
    ['main.abs(a) > 1', /Function abs is not allowed/],
  ] as const) {
    test(`rejects ${condition}`, async () => {
      const result = await checkCondition(connection, condition, columns, 'orders');
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.reason.en, reason);
    });
  }

  test('suggests close column', async () => {
    const result = await checkCondition(connection, 'ship_dat > ORDER_DATE', columns, 'orders');
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason.en, /Did you mean SHIP_DATE\?/);
  });

  for (const condition of [
    'SHIP_DATE >= ORDER_DATE',
    'coalesce(a,0) + b > 0',
    "CASE WHEN x LIKE 'A%' THEN a ELSE b END BETWEEN 1 AND 5",
    "CAST(a AS INTEGER) IN (1, 2) AND date_diff('day', ORDER_DATE, SHIP_DATE) <= 30",
    "regexp_full_match(x, '[A-Z]+') AND ORDER_DATE > DATE '2020-01-01' + INTERVAL 1 DAY",
  ]) {
    test(`accepts ${condition}`, async () => {
      const result = await checkCondition(connection, condition, columns, 'orders');
      assert.equal(result.ok, true, result.ok ? '' : result.reason.en);
    });
  }

  test('returns referenced columns', async () => {
    const result = await checkCondition(connection, 'coalesce(a,0) + b > 0', columns, 'orders');
    assert.deepEqual(result, { ok: true, columns: ['a', 'b'] });
  });

  test('guard applies to expression rules', async () => {
    await expectRulesInvalid('orders', { id: 'e', type: 'expression', expression: "getenv('HOME') = ''" }, 'rules[0].expression', /getenv/);
  });

  test('non-boolean expression is invalid', async () => {
    await expectRulesInvalid('orders', { id: 'e', type: 'expression', expression: 'ID + 1' }, 'rules[0].expression', /returns INTEGER, not BOOLEAN/);
  });

  test('non-boolean where is invalid', async () => {
    await expectRulesInvalid('orders', { id: 'w', type: 'not_null', column: 'ID', where: 'STATUS' }, 'rules[0].where', /returns VARCHAR, not BOOLEAN/);
  });

  test('guard applies to where', async () => {
    await expectRulesInvalid('orders', { id: 'w', type: 'not_null', column: 'ID', where: '(SELECT true)' }, 'rules[0].where', /Subqueries/);
  });
});
