import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DuckDBInstance } from '@duckdb/node-api';

import { columnKindOf, roundTripsThroughDouble, xlsxCell } from '../../src/api/export-cells.js';
import { csvFieldSql } from '../../src/api/export-csv.js';

test('double round trip accepts exact decimals', () => {
  for (const text of ['0', '0.1', '0.1000000000', '-1234.56', '1234.5600', '9007199254740991', '0.0000000001', '-0.5', '100000000000000000000', '00012.50']) {
    assert.equal(roundTripsThroughDouble(text), true, text);
  }
});

test('double round trip rejects lossy decimals', () => {
  for (const text of ['9007199254740993', '12345678901234567.8901234567', '0.30000000000000000001', '-9223372036854775808', '123456789012345678901234567.8', '1e5', 'NaN', '', '1.', '.5', '12,5']) {
    assert.equal(roundTripsThroughDouble(text), false, text);
  }
});

/** Formats one value as export-csv.ts does, by running its SQL on DuckDB; null is SQL NULL. */
async function csvField(value: string | null, type: string, language: 'de' | 'en'): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const sql = `SELECT ${csvFieldSql('X', type, language)} AS field FROM (SELECT CAST($1 AS ${type}) AS "X")`;
    const reader = await connection.runAndReadAll(sql, [value]);
    return String(reader.getRows()[0]?.[0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

test('csv field neutralises formulas in text only', async () => {
  assert.equal(await csvField('=1+2', 'VARCHAR', 'de'), "'=1+2");
  assert.equal(await csvField('+49', 'VARCHAR', 'de'), "'+49");
  assert.equal(await csvField('-x', 'VARCHAR', 'de'), "'-x");
  assert.equal(await csvField('@A1', 'VARCHAR', 'de'), "'@A1");
  assert.equal(await csvField('\tx', 'VARCHAR', 'de'), "'\tx");
  assert.equal(await csvField('\rx', 'VARCHAR', 'de'), '"\'\rx"', 'a carriage return also needs quotes');
  assert.equal(await csvField('a=b', 'VARCHAR', 'de'), 'a=b', 'only the first character counts');
  assert.equal(await csvField('-12.50', 'DECIMAL(10,2)', 'de'), '-12,50', 'a negative number keeps its sign');
  assert.equal(await csvField('-3', 'INTEGER', 'en'), '-3');
});

test('csv field quotes and keeps NULL apart', async () => {
  assert.equal(await csvField(null, 'VARCHAR', 'de'), '');
  assert.equal(await csvField('', 'VARCHAR', 'de'), '""');
  assert.equal(await csvField('a;b', 'VARCHAR', 'de'), '"a;b"');
  assert.equal(await csvField('a;b', 'VARCHAR', 'en'), 'a;b', 'the English separator is the comma');
  assert.equal(await csvField('a,b', 'VARCHAR', 'en'), '"a,b"');
  assert.equal(await csvField('say "hi"', 'VARCHAR', 'en'), '"say ""hi"""');
  assert.equal(await csvField('two\nlines', 'VARCHAR', 'en'), '"two\nlines"');
  assert.equal(await csvField('1234.5', 'DECIMAL(10,1)', 'en'), '1234.5');
  assert.equal(await csvField('1.5', 'DOUBLE', 'de'), '1,5');
  assert.equal(await csvField('true', 'BOOLEAN', 'de'), 'wahr');
  assert.equal(await csvField('false', 'BOOLEAN', 'en'), 'false');
  assert.equal(await csvField(null, 'BOOLEAN', 'en'), '');
  assert.equal(await csvField('9007199254740993', 'BIGINT', 'de'), '9007199254740993');
});

test('csv dates format per language', async () => {
  assert.equal(await csvField('2025-12-31', 'DATE', 'de'), '31.12.2025');
  assert.equal(await csvField('2025-12-31', 'DATE', 'en'), '2025-12-31');
  assert.equal(await csvField('2025-12-31 08:15:30', 'TIMESTAMP', 'de'), '31.12.2025 08:15:30');
  assert.equal(await csvField('2025-12-31 08:15:30.25', 'TIMESTAMP', 'de'), '31.12.2025 08:15:30.25');
  assert.equal(await csvField('2025-12-31 08:15:30+01', 'TIMESTAMPTZ', 'de'), '31.12.2025 07:15:30+00', 'zoned timestamps are in UTC');
  assert.equal(await csvField('2025-12-31 08:15:30', 'TIMESTAMP', 'en'), '2025-12-31 08:15:30');
});

test('column kinds follow DuckDB types', () => {
  const cases: [string, string][] = [
    ['DECIMAL(14,2)', 'decimal'],
    ['BIGINT', 'integer'],
    ['HUGEINT', 'integer'],
    ['INTEGER', 'integer'],
    ['DOUBLE', 'float'],
    ['DATE', 'date'],
    ['TIMESTAMP', 'timestamp'],
    ['TIMESTAMP WITH TIME ZONE', 'timestamp'],
    ['BOOLEAN', 'boolean'],
    ['VARCHAR', 'text'],
    ['INTEGER[]', 'text'],
  ];
  for (const [type, kind] of cases) {
    assert.equal(columnKindOf(type), kind, type);
  }
});

test('xlsx cells keep values exact', () => {
  const column = (type: string) => ({ name: 'X', type, header: 'X' });
  assert.deepEqual(xlsxCell('1234.50', column('DECIMAL(14,2)'), 'de'), { value: 1234.5, numFmt: '#,##0.00' });
  assert.deepEqual(xlsxCell('12345678901234567.89', column('DECIMAL(38,2)'), 'de'), { value: '12345678901234567.89' });
  assert.deepEqual(xlsxCell('7', column('DECIMAL(10,0)'), 'de'), { value: 7, numFmt: '#,##0' });
  assert.deepEqual(xlsxCell('9007199254740993', column('BIGINT'), 'de'), { value: '9007199254740993' });
  assert.deepEqual(xlsxCell(5, column('INTEGER'), 'de'), { value: 5, numFmt: '0' });
  assert.deepEqual(xlsxCell('NaN', column('DOUBLE'), 'de'), { value: 'NaN' });
  assert.deepEqual(xlsxCell(null, column('DATE'), 'de'), { value: null });
  assert.deepEqual(xlsxCell('=1+1', column('VARCHAR'), 'de'), { value: '=1+1' }, 'a text cell is never a formula');

  const date = xlsxCell('2025-12-31', column('DATE'), 'en');
  assert.ok(date.value instanceof Date);
  assert.equal(date.value.toISOString(), '2025-12-31T00:00:00.000Z');
  assert.equal(date.numFmt, 'yyyy-mm-dd');

  const zoned = xlsxCell('2025-12-31T08:00:00+01', column('TIMESTAMP WITH TIME ZONE'), 'de');
  assert.ok(zoned.value instanceof Date);
  assert.equal(zoned.value.toISOString(), '2025-12-31T07:00:00.000Z', 'the offset is applied, the cell shows UTC');
  assert.equal(zoned.numFmt, 'dd.mm.yyyy hh:mm:ss');

  assert.deepEqual(xlsxCell('1899-12-31', column('DATE'), 'de'), { value: '1899-12-31' }, 'dates before 1900 are text');
});
