import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';

import { DuckDBInstance } from '@duckdb/node-api';

import { createCsvEncoder, encodeCsvField, encodeCsvRow, quoteCsvText } from '../../src/sources/csv-encoder.js';
import type { ColumnDescription, LogicalType } from '../../src/sources/types.js';
import { parseCanonicalCsv } from '../helpers/source-rows.js';

const text: LogicalType = { kind: 'text' };

test('quoteCsvText quotes only when needed', () => {
  assert.equal(quoteCsvText('plain'), 'plain');
  assert.equal(quoteCsvText(''), '""');
  assert.equal(quoteCsvText('a,b'), '"a,b"');
  assert.equal(quoteCsvText('say "hi"'), '"say ""hi"""');
  assert.equal(quoteCsvText('line\nbreak'), '"line\nbreak"');
  assert.equal(quoteCsvText('cr\rhere'), '"cr\rhere"');
  assert.equal(quoteCsvText(' leading'), '" leading"');
  assert.equal(quoteCsvText('trailing '), '"trailing "');
  assert.equal(quoteCsvText('Größe 😀'), 'Größe 😀');
});

test('encodeCsvField NULL and empty string', () => {
  assert.equal(encodeCsvField(null, text), '');
  assert.equal(encodeCsvField(undefined, text), '');
  assert.equal(encodeCsvField('', text), '""');
});

test('encodeCsvField exact numbers', () => {
  assert.equal(encodeCsvField(9223372036854775807n, { kind: 'bigint' }), '9223372036854775807');
  assert.equal(encodeCsvField(-9223372036854775808n, { kind: 'bigint' }), '-9223372036854775808');
  assert.equal(encodeCsvField('9223372036854775807', { kind: 'bigint' }), '9223372036854775807');
  const decimal: LogicalType = { kind: 'decimal', precision: 38, scale: 10 };
  assert.equal(encodeCsvField('12345678901234567890.1234567890', decimal), '12345678901234567890.1234567890');
  assert.equal(encodeCsvField(0.1, { kind: 'double' }), '0.1');
  assert.equal(encodeCsvField(42, { kind: 'integer' }), '42');
  assert.throws(() => encodeCsvField(2 ** 60, { kind: 'bigint' }), /not an exact integer/);
});

test('encodeCsvField booleans', () => {
  const boolean: LogicalType = { kind: 'boolean' };
  assert.equal(encodeCsvField(true, boolean), 'true');
  assert.equal(encodeCsvField(false, boolean), 'false');
  assert.equal(encodeCsvField(1, boolean), 'true');
  assert.equal(encodeCsvField(0n, boolean), 'false');
  assert.equal(encodeCsvField(5, boolean), '5', 'passed on for the bronze writer to reject with the key');
});

test('encodeCsvField dates and timestamps', () => {
  const instant = new Date('2024-03-31T01:30:15.123Z');
  assert.equal(encodeCsvField(instant, { kind: 'timestamptz' }), '2024-03-31T01:30:15.123Z');
  assert.equal(encodeCsvField(instant, { kind: 'timestamp' }), '2024-03-31 01:30:15.123');
  assert.equal(encodeCsvField(instant, { kind: 'date' }), '2024-03-31');
  assert.equal(encodeCsvField('2024-03-31 01:30:15.123456', { kind: 'timestamptz' }), '2024-03-31 01:30:15.123456Z');
  assert.equal(encodeCsvField('2024-03-31 01:30:15+00', { kind: 'timestamptz' }), '2024-03-31 01:30:15+00');
  assert.equal(encodeCsvField('2024-03-31 01:30:15.5', { kind: 'timestamp' }), '2024-03-31 01:30:15.5');
  assert.equal(encodeCsvField('2024-02-29', { kind: 'date' }), '2024-02-29');
});

test('encodeCsvField json and binary', () => {
  assert.equal(encodeCsvField({ a: 1, b: 'x' }, { kind: 'json' }), '"{""a"":1,""b"":""x""}"');
  assert.equal(encodeCsvField('{"a":1}', { kind: 'json' }), '"{""a"":1}"');
  assert.throws(() => encodeCsvField(Buffer.from('x'), text), /binary/);
});

test('encodeCsvRow names the failing column', () => {
  const columns: ColumnDescription[] = [
    { name: 'id', sourceType: 'int', type: { kind: 'integer' }, nullable: false },
    { name: 'flag', sourceType: 'tinyint(1)', type: { kind: 'boolean' }, nullable: true },
  ];
  assert.equal(encodeCsvRow([1, 1], columns), '1,true\n');
  assert.throws(() => encodeCsvRow([1, 1.5], [columns[0]!, { ...columns[0]!, name: 'amount' }]), /column amount: 1\.5 is not an exact integer/);
  assert.throws(() => encodeCsvRow([1], columns), /1 values but the table has 2 columns/);
});

test('createCsvEncoder round trip', async () => {
  const columns: ColumnDescription[] = [
    { name: 'id', sourceType: 'bigint', type: { kind: 'bigint' }, nullable: false },
    { name: 'note', sourceType: 'text', type: text, nullable: true },
  ];
  const hostile = 'comma, "quote"\nnewline';
  const input = [[1n, null], [2n, ''], [3n, hostile], [4n, 'Größe 😀']];
  for (let i = 5n; i < 1005n; i++) {
    input.push([i, `row ${i}`]);
  }

  const chunks: string[] = [];
  for await (const chunk of Readable.from(input).pipe(createCsvEncoder(columns))) {
    chunks.push(String(chunk));
  }
  const rows = parseCanonicalCsv(chunks.join(''));

  assert.equal(rows.length, 1004);
  assert.deepEqual(rows[0], ['1', null]);
  assert.deepEqual(rows[1], ['2', '']);
  assert.deepEqual(rows[2], ['3', hostile]);
  assert.deepEqual(rows[3], ['4', 'Größe 😀']);
  assert.deepEqual(rows[1003], ['1004', 'row 1004']);
});

test('DuckDB reads encoded rows exactly', async () => {
  const columns: ColumnDescription[] = [
    { name: 'id', sourceType: 'bigint', type: { kind: 'bigint' }, nullable: false },
    { name: 'amount', sourceType: 'decimal', type: { kind: 'decimal', precision: 38, scale: 10 }, nullable: true },
    { name: 'note', sourceType: 'text', type: text, nullable: true },
    { name: 'happened', sourceType: 'timestamp', type: { kind: 'timestamptz' }, nullable: true },
    { name: 'day', sourceType: 'date', type: { kind: 'date' }, nullable: true },
    { name: 'flag', sourceType: 'boolean', type: { kind: 'boolean' }, nullable: true },
  ];
  const csv = [
    encodeCsvRow([9223372036854775807n, '12345678901234567890.1234567890', 'comma, "quote"\nnewline', '2024-03-31 01:30:15.123456', '2024-02-29', 1], columns),
    encodeCsvRow([-9223372036854775808n, null, '', null, null, 0], columns),
    encodeCsvRow([3n, '-0.0000000001', null, new Date('2024-01-01T00:00:00.5Z'), null, null], columns),
  ].join('');

  const folder = mkdtempSync(join(tmpdir(), 'aurora-csv-'));
  const path = join(folder, 'rows.csv');
  writeFileSync(path, csv);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll(`
      SELECT id::VARCHAR, amount::VARCHAR, note, strftime(happened AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f'), day::VARCHAR, flag
        FROM read_csv('${path.replaceAll("'", "''")}', header = false, allow_quoted_nulls = false,
          columns = {'id': 'BIGINT', 'amount': 'DECIMAL(38,10)', 'note': 'VARCHAR', 'happened': 'TIMESTAMPTZ', 'day': 'DATE', 'flag': 'BOOLEAN'})`);
    const rows = result.getRowsJS();

    assert.deepEqual(rows[0], ['9223372036854775807', '12345678901234567890.1234567890', 'comma, "quote"\nnewline', '2024-03-31 01:30:15.123456', '2024-02-29', true]);
    assert.deepEqual(rows[1], ['-9223372036854775808', null, '', null, null, false]);
    assert.deepEqual(rows[2], ['3', '-0.0000000001', null, '2024-01-01 00:00:00.500000', null, null]);
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(folder, { recursive: true, force: true });
  }
});
