import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { DEFAULT_EXPORT_MAX_ROWS } from '../../src/config/api-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { AuroraError } from '../../src/errors/aurora-error.js';
import { tempFolder } from '../helpers/temp-folder.js';

const BASE = `source:
  type: sqlite
  path: legacy.sqlite
lake: lake
rules: rules
tables:
  - name: ORDERS
    primary_key: ORDER_ID
  - name: ORDER_ITEMS
    primary_key: [ORDER_ID, POSITION]
`;

const VALID_ORDERS = `api:
  export_max_rows: 5000
  orders:
    table: ORDERS
    date_column: ORDER_DATE
    default_sort: -ORDER_DATE
    columns:
      - { name: ORDER_ID, de: Auftrag, en: Order }
      - { name: ORDER_DATE, de: Datum, en: Date }
      - { name: NET_AMOUNT, de: Netto, en: Net }
    sort: [ORDER_DATE, NET_AMOUNT]
    filters:
      article: { column: ARTICLE_ID, via: [{ table: ORDER_ITEMS, from: ORDER_ID, to: ORDER_ID }] }
`;

function loadText(folder: string, text: string) {
  const file = path.join(folder, 'aurora.yaml');
  writeFileSync(file, text);
  return loadConfig(file, {});
}

function problemsOf(folder: string, text: string): { line?: number; key?: string; en: string }[] {
  try {
    loadText(folder, text);
  } catch (error) {
    assert.ok(error instanceof AuroraError, String(error));
    assert.equal(error.code, 'CONFIG_INVALID');
    const problems = (error.params as { problems: { line?: number; key?: string; problem: { en: string } }[] }).problems;
    return problems.map((problem) => ({ line: problem.line, key: problem.key, en: problem.problem.en }));
  }
  assert.fail('expected CONFIG_INVALID');
}

test('api orders config resolves', (t) => {
  const config = loadText(tempFolder(t), BASE + VALID_ORDERS);
  assert.equal(config.api?.exportMaxRows, 5000);
  const orders = config.api?.orders;
  assert.equal(orders?.table, 'ORDERS');
  assert.deepEqual(orders?.key, ['ORDER_ID'], 'the key defaults to the primary key');
  assert.deepEqual(orders?.defaultSort, { column: 'ORDER_DATE', order: 'desc' });
  assert.deepEqual(orders?.sortable, ['ORDER_DATE', 'NET_AMOUNT', 'ORDER_ID'], 'key columns are always sortable');
  assert.deepEqual(orders?.columns[2], { name: 'NET_AMOUNT', label: { de: 'Netto', en: 'Net' } });
  assert.deepEqual(orders?.filters, [{ name: 'article', column: 'ARTICLE_ID', via: [{ table: 'ORDER_ITEMS', from: 'ORDER_ID', to: 'ORDER_ID' }] }]);
});

test('api section is optional', (t) => {
  const config = loadText(tempFolder(t), BASE);
  assert.equal(config.api?.exportMaxRows, DEFAULT_EXPORT_MAX_ROWS);
  assert.equal(config.api?.orders, undefined);
});

test('api orders rejects unknown tables and columns', (t) => {
  const text = BASE + VALID_ORDERS.replace('table: ORDERS', 'table: ORDERZ').replace('sort: [ORDER_DATE, NET_AMOUNT]', 'sort: [ORDER_DATE, STATUS]').replace('table: ORDER_ITEMS', 'table: ITEMS');
  const problems = problemsOf(tempFolder(t), text);
  const keys = problems.map((problem) => problem.key);
  assert.ok(keys.includes('api.orders.table'), JSON.stringify(problems));
  assert.ok(keys.includes('api.orders.sort[1]'), JSON.stringify(problems));
  assert.ok(keys.includes('api.orders.filters.article.via[0].table'), JSON.stringify(problems));

  const sort = problems.find((problem) => problem.key === 'api.orders.sort[1]');
  assert.equal(sort?.line, 21, 'the problem names the line of the sort entry');
  assert.match(sort?.en ?? '', /STATUS is not listed under api\.orders\.columns/);
  assert.match(problems.find((problem) => problem.key === 'api.orders.table')?.en ?? '', /Table ORDERZ is not listed under tables\. Allowed: ORDERS, ORDER_ITEMS/);
});

test('api orders rejects a key outside the columns', (t) => {
  const problems = problemsOf(tempFolder(t), BASE + VALID_ORDERS.replace('    columns:\n      - { name: ORDER_ID, de: Auftrag, en: Order }\n', '    columns:\n'));
  assert.ok(
    problems.some((problem) => problem.key === 'api.orders.table' && /ORDER_ID is not listed under api\.orders\.columns/.test(problem.en)),
    JSON.stringify(problems),
  );
});

test('api orders rejects reserved and invalid filter names', (t) => {
  for (const name of ['sort', 'limit', 'cursor', 'format', 'Plant', 'plant-id']) {
    const problems = problemsOf(tempFolder(t), BASE + VALID_ORDERS.replace('article:', `${name}:`));
    assert.ok(problems.some((problem) => problem.key?.startsWith('api.orders.filters')), `${name}: ${JSON.stringify(problems)}`);
  }
});

test('api orders rejects a default sort outside the allowlist', (t) => {
  const problems = problemsOf(tempFolder(t), BASE + VALID_ORDERS.replace('default_sort: -ORDER_DATE', 'default_sort: -STATUS'));
  assert.ok(problems.some((problem) => problem.key === 'api.orders.default_sort' && /STATUS is not listed under api\.orders\.sort/.test(problem.en)), JSON.stringify(problems));
});

test('api orders rejects SQL in column names', (t) => {
  const problems = problemsOf(tempFolder(t), BASE + VALID_ORDERS.replace('{ name: NET_AMOUNT,', '{ name: \'NET_AMOUNT"; DROP TABLE x; --\','));
  assert.ok(problems.some((problem) => problem.key === 'api.orders.columns[2].name'), JSON.stringify(problems));
});

test('api export_max_rows must be positive', (t) => {
  const problems = problemsOf(tempFolder(t), BASE + VALID_ORDERS.replace('export_max_rows: 5000', 'export_max_rows: 0'));
  assert.ok(problems.some((problem) => problem.key === 'api.export_max_rows'), JSON.stringify(problems));
});
