import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { AuroraError } from '../../src/errors/aurora-error.js';
import type { FileProblem } from '../../src/errors/catalog.js';
import { loadModels, type SilverTableColumns } from '../../src/gold/load-models.js';
import { tempFolder } from '../helpers/temp-folder.js';

const SILVER: SilverTableColumns = new Map([
  [
    'ORDERS',
    [
      { name: 'ORDER_ID', type: 'BIGINT' },
      { name: 'CUSTOMER_ID', type: 'BIGINT' },
      { name: 'ORDER_DATE', type: 'DATE' },
      { name: 'NET_AMOUNT', type: 'DECIMAL(14,2)' },
      { name: '_aurora_run_id', type: 'VARCHAR' },
    ],
  ],
  [
    'CUSTOMERS',
    [
      { name: 'CUSTOMER_ID', type: 'BIGINT' },
      { name: 'NAME', type: 'VARCHAR' },
    ],
  ],
]);

const GOOD_SQL = `SELECT
  CAST(date_trunc('month', o.ORDER_DATE) AS DATE) AS MONTH,
  c.NAME AS CUSTOMER,
  sum(o.NET_AMOUNT) AS AMOUNT
FROM ORDERS o
JOIN CUSTOMERS c ON c.CUSTOMER_ID = o.CUSTOMER_ID
GROUP BY ALL
`;

const GOOD_YAML = `description:
  de: Umsatz je Monat und Kunde.
  en: Amount per month and customer.
grain: [MONTH, CUSTOMER]
dimensions: [MONTH, CUSTOMER]
measures:
  - name: AMOUNT
    unit: EUR
    description:
      de: Summe der Nettobeträge.
      en: Sum of the net amounts.
`;

function folderWith(t: TestContext, files: Record<string, string>): string {
  const folder = tempFolder(t, 'aurora-models-');
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(folder, name), text);
  }
  return folder;
}

/** Loads a folder that must be invalid and returns its problems. */
async function problemsOf(t: TestContext, files: Record<string, string>): Promise<FileProblem[]> {
  const folder = folderWith(t, files);
  try {
    await loadModels(folder, SILVER);
  } catch (error) {
    assert.ok(error instanceof AuroraError, String(error));
    assert.equal(error.code, 'MODELS_INVALID');
    assert.equal(error.exitCode, 2);
    return (error as AuroraError<'MODELS_INVALID'>).params.problems;
  }
  assert.fail('loadModels accepted an invalid models folder');
}

/** Loads one model named `m` with the given SQL and the good YAML, and returns its problems. */
function sqlProblems(t: TestContext, sql: string): Promise<FileProblem[]> {
  return problemsOf(t, { 'm.sql': sql, 'm.yaml': GOOD_YAML });
}

test('loadModels reads a valid pair', async (t) => {
  const folder = folderWith(t, { 'amount_by_customer.sql': GOOD_SQL, 'amount_by_customer.yaml': GOOD_YAML, 'README.txt': 'ignored' });
  const models = await loadModels(folder, SILVER);

  assert.equal(models.length, 1);
  const model = models[0]!;
  assert.equal(model.name, 'amount_by_customer');
  assert.equal(model.sqlFile, join(folder, 'amount_by_customer.sql'));
  assert.equal(model.yamlFile, join(folder, 'amount_by_customer.yaml'));
  assert.deepEqual(model.tables, ['CUSTOMERS', 'ORDERS']);
  assert.deepEqual(model.grain, ['MONTH', 'CUSTOMER']);
  assert.deepEqual(model.measures, [{ name: 'AMOUNT', unit: 'EUR', description: { de: 'Summe der Nettobeträge.', en: 'Sum of the net amounts.' } }]);
  assert.deepEqual(model.columns, [
    { name: 'MONTH', type: 'DATE' },
    { name: 'CUSTOMER', type: 'VARCHAR' },
    { name: 'AMOUNT', type: 'DECIMAL(38,2)' },
  ]);
  assert.equal(model.sql, GOOD_SQL.trimEnd());
});

test('loadModels strips a trailing semicolon', async (t) => {
  const folder = folderWith(t, { 'm.sql': `${GOOD_SQL};\n\n`, 'm.yaml': GOOD_YAML });
  const [model] = await loadModels(folder, SILVER);
  assert.equal(model?.sql, GOOD_SQL.trimEnd());
});

test('loadModels allows CTEs, VALUES and subqueries', async (t) => {
  const sql = `WITH rates (CURRENCY, RATE) AS (VALUES ('EUR', CAST(1 AS DECIMAL(8, 4)))),
recent AS (SELECT * FROM ORDERS WHERE ORDER_DATE >= DATE '2024-01-01')
SELECT CAST(date_trunc('month', ORDER_DATE) AS DATE) AS MONTH, 'x' AS CUSTOMER, sum(NET_AMOUNT * RATE) AS AMOUNT
FROM recent, rates
WHERE CUSTOMER_ID IN (SELECT CUSTOMER_ID FROM CUSTOMERS)
GROUP BY ALL`;
  const folder = folderWith(t, { 'm.sql': sql, 'm.yaml': GOOD_YAML });
  const [model] = await loadModels(folder, SILVER);
  assert.deepEqual(model?.tables, ['CUSTOMERS', 'ORDERS']);
});

test('loadModels reports a YAML syntax error with its line', async (t) => {
  const problems = await problemsOf(t, { 'm.sql': GOOD_SQL, 'm.yaml': 'description:\n  de: a\n  en: [b\ngrain: [MONTH]\n' });
  assert.ok(problems.length >= 1);
  assert.equal(problems[0]?.file.endsWith('m.yaml'), true);
  assert.match(problems[0]!.problem.en, /YAML syntax error/);
  assert.equal(typeof problems[0]?.line, 'number');
  assert.ok(problems[0]!.line! >= 3, `line ${problems[0]?.line}`);
});

test('loadModels reports a schema violation with line and key', async (t) => {
  const yaml = GOOD_YAML.replace('    unit: EUR\n', '    unit: EUR\n    scale: 2\n');
  const problems = await problemsOf(t, { 'm.sql': GOOD_SQL, 'm.yaml': yaml });
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.key, 'measures[0].scale');
  assert.equal(problems[0]?.line, 9);
  assert.match(problems[0]!.problem.en, /Unknown key "scale"/);
});

test('loadModels reports a .sql without .yaml and a .yaml without .sql', async (t) => {
  const problems = await problemsOf(t, { 'lonely.sql': GOOD_SQL, 'orphan.yaml': GOOD_YAML });
  assert.equal(problems.length, 2);
  assert.ok(problems[0]?.file.endsWith('lonely.sql'));
  assert.match(problems[0]!.problem.en, /has no description file lonely\.yaml/);
  assert.ok(problems[1]?.file.endsWith('orphan.yaml'));
  assert.match(problems[1]!.problem.en, /has no query file orphan\.sql/);
});

test('loadModels rejects invalid model names', async (t) => {
  for (const name of ['Sales', '1st_model', 'sales-by-region', 'a'.repeat(64)]) {
    const problems = await problemsOf(t, { [`${name}.sql`]: GOOD_SQL, [`${name}.yaml`]: GOOD_YAML });
    assert.equal(problems.length, 1, name);
    assert.match(problems[0]!.problem.en, /Model name .* is invalid/, name);
  }
});

test('loadModels rejects statements other than SELECT', async (t) => {
  const statements = [
    "COPY ORDERS TO '/tmp/out.csv'",
    "ATTACH '/tmp/other.db' AS other",
    'INSTALL httpfs',
    'LOAD httpfs',
    'CREATE TABLE x AS SELECT 1',
    "SET enable_external_access = true",
    'DELETE FROM ORDERS',
  ];
  for (const sql of statements) {
    const problems = await sqlProblems(t, sql);
    assert.equal(problems.length, 1, sql);
    assert.match(problems[0]!.problem.en, /not a SELECT/, sql);
  }
});

test('loadModels rejects several statements', async (t) => {
  const problems = await sqlProblems(t, `${GOOD_SQL};\nSELECT 1 AS MONTH, 2 AS CUSTOMER, 3 AS AMOUNT;`);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.problem.en, /contains 2 statements/);
});

test('loadModels rejects an empty SQL file', async (t) => {
  const problems = await sqlProblems(t, '-- nothing yet\n');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.problem.en, /contains 0 statements/);
});

test('loadModels rejects a SELECT followed by another statement', async (t) => {
  const problems = await sqlProblems(t, `${GOOD_SQL};\nCOPY ORDERS TO '/tmp/out.csv';`);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.problem.en, /not a SELECT/);
});

test('loadModels rejects table functions and file reads', async (t) => {
  const cases: [string, RegExp][] = [
    ["SELECT * FROM read_csv('/etc/passwd')", /Table function read_csv/],
    ["SELECT 1 AS MONTH FROM ORDERS JOIN read_parquet('/tmp/x.parquet') p ON true", /Table function read_parquet/],
    ["SELECT * FROM glob('/etc/*')", /Table function glob/],
    ["SELECT (SELECT max(content) FROM read_text('/etc/passwd')) AS MONTH", /Table function read_text/],
    ["SELECT * FROM '/etc/passwd.csv'", /Table \/etc\/passwd\.csv is not a silver table/],
    ["SELECT * FROM query('SELECT 1')", /Table function query/],
  ];
  for (const [sql, expected] of cases) {
    const problems = await sqlProblems(t, sql);
    assert.equal(problems.length, 1, sql);
    assert.match(problems[0]!.problem.en, expected, sql);
  }
});

test('loadModels rejects unknown, qualified and model tables', async (t) => {
  const cases: [string, RegExp][] = [
    ['SELECT * FROM INVOICES', /Table INVOICES is not a silver table. Known tables: ORDERS, CUSTOMERS/],
    ['SELECT * FROM main.ORDERS', /Table main\.ORDERS is not a silver table/],
    ['SELECT * FROM other_db.main.ORDERS', /Table other_db\.main\.ORDERS is not a silver table/],
    ['SELECT * FROM amount_by_customer', /Table amount_by_customer is not a silver table/],
  ];
  for (const [sql, expected] of cases) {
    const problems = await sqlProblems(t, sql);
    assert.equal(problems.length, 1, sql);
    assert.match(problems[0]!.problem.en, expected, sql);
  }
});

test('loadModels gives the line of an unknown table', async (t) => {
  const problems = await sqlProblems(t, 'SELECT *\nFROM ORDERS\nJOIN SECRETS s ON true');
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.line, 3);
});

test('loadModels reports a measure the SELECT does not return', async (t) => {
  const yaml = GOOD_YAML.replace('  - name: AMOUNT', '  - name: TOTAL');
  const problems = await problemsOf(t, { 'm.sql': GOOD_SQL, 'm.yaml': yaml });
  assert.equal(problems.length, 1);
  assert.ok(problems[0]?.file.endsWith('m.yaml'));
  assert.equal(problems[0]?.line, 7);
  assert.equal(problems[0]?.key, 'measures[0].name');
  assert.equal(problems[0]?.problem.en, 'Column TOTAL is not returned by the SELECT (case matters). The SELECT returns: MONTH, CUSTOMER, AMOUNT.');
});

test('loadModels reports a dimension the SELECT does not return', async (t) => {
  const yaml = GOOD_YAML.replace('dimensions: [MONTH, CUSTOMER]', 'dimensions: [MONTH, CUSTOMER, PLANT]');
  const problems = await problemsOf(t, { 'm.sql': GOOD_SQL, 'm.yaml': yaml });
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.key, 'dimensions[2]');
  assert.match(problems[0]!.problem.en, /Column PLANT is not returned/);
});

test('loadModels rejects a floating-point measure', async (t) => {
  const problems = await sqlProblems(t, GOOD_SQL.replace('sum(o.NET_AMOUNT) AS AMOUNT', 'avg(o.NET_AMOUNT) AS AMOUNT'));
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.problem.en, /Measure AMOUNT has type DOUBLE/);
});

test('loadModels checks grain and duplicate columns', async (t) => {
  const yaml = GOOD_YAML.replace('grain: [MONTH, CUSTOMER]', 'grain: [MONTH, PLANT]').replace('dimensions: [MONTH, CUSTOMER]', 'dimensions: [MONTH, CUSTOMER, AMOUNT]');
  const problems = await problemsOf(t, { 'm.sql': GOOD_SQL, 'm.yaml': yaml });
  assert.deepEqual(
    problems.map((problem) => problem.key),
    ['measures[0].name', 'grain[1]'],
  );
});

test('loadModels reports a binder error with its line', async (t) => {
  const problems = await sqlProblems(t, 'SELECT\n  ORDER_ID AS MONTH,\n  NO_SUCH_COLUMN AS AMOUNT\nFROM ORDERS');
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.line, 3);
  assert.match(problems[0]!.problem.en, /does not bind against the silver tables: Binder Error: Referenced column "NO_SUCH_COLUMN" not found/);
});

test('loadModels reports a SQL syntax error', async (t) => {
  const problems = await sqlProblems(t, 'SELECT * FROM ORDERS WHERE');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.problem.en, /SQL syntax error: syntax error at end of input/);
});

test('loadModels collects problems of several models', async (t) => {
  const problems = await problemsOf(t, {
    'a.sql': 'INSTALL httpfs',
    'a.yaml': GOOD_YAML,
    'b.sql': "SELECT * FROM read_csv('/etc/passwd')",
    'b.yaml': GOOD_YAML,
    'c.sql': GOOD_SQL,
    'c.yaml': GOOD_YAML,
  });
  assert.deepEqual(
    problems.map((problem) => problem.file.slice(-5)),
    ['a.sql', 'b.sql'],
  );
});

test('loadModels reports a missing folder', async (t) => {
  const folder = join(tempFolder(t), 'missing');
  await assert.rejects(loadModels(folder, SILVER), (error: unknown) => error instanceof AuroraError && error.code === 'MODELS_INVALID' && /Models folder cannot be read/.test(error.message));
});
