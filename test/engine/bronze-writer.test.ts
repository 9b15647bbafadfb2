import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';

import { writeBronzePartition } from '../../src/engine/bronze-writer.js';
import { DuckdbSession } from '../../src/engine/duckdb-session.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { AuroraError } from '../../src/errors/aurora-error.js';
import type { ColumnDescription, LogicalType, TableDescription } from '../../src/sources/types.js';
import { tempFolder } from '../helpers/temp-folder.js';

function column(name: string, type: LogicalType): ColumnDescription {
  return { name, sourceType: type.kind, type, nullable: true };
}

const TABLE: TableDescription = {
  name: 'ORDERS',
  sourceName: 'legacy.ORDERS',
  primaryKey: ['ID'],
  rowCount: 3,
  columns: [
    column('ID', { kind: 'bigint' }),
    column('AMOUNT', { kind: 'decimal', precision: 38, scale: 10 }),
    column('NOTE', { kind: 'text' }),
    column('ORDERED_AT', { kind: 'timestamptz' }),
    column('DUE', { kind: 'date' }),
    column('select', { kind: 'integer' }),
    column('FLAG', { kind: 'boolean' }),
  ],
};

async function convert(t: import('node:test').TestContext, csv: string, table: TableDescription = TABLE) {
  const folder = tempFolder(t);
  const session = await DuckdbSession.open();
  t.after(() => session.close());
  const targetFile = path.join(folder, 'bronze', 'part-00000.parquet');

  const rows = await writeBronzePartition(session.connection, {
    table,
    partition: 0,
    data: { kind: 'csv', stream: Readable.from([csv]) },
    stagingFile: path.join(folder, 'tmp', 'stage.csv'),
    targetFile,
  });
  return { session, targetFile, rows, folder };
}

test('values keep every digit, instant, and the difference between empty and NULL', async (t) => {
  const csv = [
    '9223372036854775807,1234567890123456789012345678.0123456789,"",2025-12-31T23:59:59.123456+00:00,2025-12-31,1,true',
    '-9223372036854775808,-0.0000000001,,2025-06-01T00:00:00+02:00,,,false',
    '3,0,"Größe ""10"", emoji 🚀\nzweite Zeile",,1999-01-01,-7,',
  ].join('\n');
  const { session, targetFile, rows } = await convert(t, `${csv}\n`);
  assert.equal(rows, 3);

  const types = await session.queryText(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(targetFile)}))`);
  assert.deepEqual(
    types.map((row) => `${row.column_name}:${row.column_type}`),
    ['ID:BIGINT', 'AMOUNT:DECIMAL(38,10)', 'NOTE:VARCHAR', 'ORDERED_AT:TIMESTAMP WITH TIME ZONE', 'DUE:DATE', 'select:INTEGER', 'FLAG:BOOLEAN'],
  );

  const values = await session.queryText(
    `SELECT CAST(ID AS VARCHAR) AS id, CAST(AMOUNT AS VARCHAR) AS amount, NOTE AS note, CAST(ORDERED_AT AS VARCHAR) AS at, CAST(DUE AS VARCHAR) AS due, CAST("select" AS VARCHAR) AS s FROM read_parquet(${quoteLiteral(targetFile)}) ORDER BY ID`,
  );
  assert.deepEqual(values, [
    { id: '-9223372036854775808', amount: '-0.0000000001', note: null, at: '2025-05-31 22:00:00+00', due: null, s: null },
    { id: '3', amount: '0.0000000000', note: 'Größe "10", emoji 🚀\nzweite Zeile', at: null, due: '1999-01-01', s: '-7' },
    { id: '9223372036854775807', amount: '1234567890123456789012345678.0123456789', note: '', at: '2025-12-31 23:59:59.123456+00', due: '2025-12-31', s: '1' },
  ]);
});

for (const [label, line, column, value] of [
  ['a decimal with more fraction digits than the scale', '1,1.00000000001,,,,,', 'AMOUNT', '1.00000000001'],
  ['an integer with a fraction', '1,1,,,,1.5,', 'select', '1.5'],
  ['a bigint beyond 64 bits', '9223372036854775808,1,,,,,', 'ID', '9223372036854775808'],
  ['an impossible date', '1,1,,,2025-02-30,,', 'DUE', '2025-02-30'],
  ['a date in German notation', '1,1,,,31.12.2025,,', 'DUE', '31.12.2025'],
  ['an amount in German notation', '1,"1.234,56",,,,,', 'AMOUNT', '1.234,56'],
] as const) {
  test(`${label} fails the partition with VALUE_TYPE_MISMATCH and leaves no file`, async (t) => {
    await assert.rejects(
      convert(t, `${line}\n`),
      (error: unknown) => {
        assert.ok(error instanceof AuroraError);
        assert.equal(error.code, 'VALUE_TYPE_MISMATCH');
        assert.equal(error.exitCode, 4);
        const params = error.params as { column: string; value: string; table: string };
        assert.deepEqual({ column: params.column, value: params.value, table: params.table }, { column, value, table: 'ORDERS' });
        assert.match(error.render('de'), /Schlüssel/);
        return true;
      },
    );
  });
}

test('a failed partition leaves neither the target nor the staging file', async (t) => {
  const folder = tempFolder(t);
  const session = await DuckdbSession.open();
  t.after(() => session.close());
  const targetFile = path.join(folder, 'part.parquet');
  const stagingFile = path.join(folder, 'stage.csv');

  await assert.rejects(
    writeBronzePartition(session.connection, {
      table: TABLE,
      partition: 0,
      data: { kind: 'csv', stream: Readable.from(['1,x,,,,,\n']) },
      stagingFile,
      targetFile,
    }),
  );
  assert.equal(existsSync(targetFile), false);
  assert.equal(existsSync(`${targetFile}.partial`), false);
  assert.equal(existsSync(stagingFile), false);
});

test('a source stream that fails mid-way is reported as a read failure of that partition', async (t) => {
  const failing = new Readable({
    read() {
      this.push('1,1,,,,,\n');
      this.destroy(new Error('connection reset by peer'));
    },
  });
  const folder = tempFolder(t);
  const session = await DuckdbSession.open();
  t.after(() => session.close());

  await assert.rejects(
    writeBronzePartition(session.connection, {
      table: TABLE,
      partition: 4,
      data: { kind: 'csv', stream: failing },
      stagingFile: path.join(folder, 's.csv'),
      targetFile: path.join(folder, 'p.parquet'),
    }),
    (error: unknown) => error instanceof AuroraError && error.code === 'SOURCE_READ_FAILED' && /partition 4/.test(error.message),
  );
});

test('an empty partition produces an empty file with the table schema', async (t) => {
  const { session, targetFile, rows } = await convert(t, '');
  assert.equal(rows, 0);
  const types = await session.queryText(`SELECT count(*) AS n FROM (DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(targetFile)}))`);
  assert.equal(types[0]?.n, '7');
});

test('trailing zeros beyond the scale are accepted because they keep the value', async (t) => {
  const table: TableDescription = { ...TABLE, columns: [column('ID', { kind: 'bigint' }), column('AMOUNT', { kind: 'decimal', precision: 14, scale: 2 })] };
  const { session, targetFile } = await convert(t, '1,3479.270\n2,5.000\n', table);
  const rows = await session.queryText(`SELECT CAST(AMOUNT AS VARCHAR) AS amount FROM read_parquet(${quoteLiteral(targetFile)}) ORDER BY ID`);
  assert.deepEqual(rows.map((row) => row.amount), ['3479.27', '5.00']);
});
