import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { DuckDBInstance } from '@duckdb/node-api';

import { isAuroraError } from '../../src/errors/aurora-error.js';
import { createSource } from '../../src/sources/create-source.js';
import { mapDuckdbType } from '../../src/sources/files/files-source.js';
import type { Source } from '../../src/sources/types.js';
import { tableRequest } from '../helpers/source-rows.js';

describe('FilesSource', () => {
  let folder: string;
  let source: Source;

  before(async () => {
    // The folder name carries a quote so that the path literal must be escaped.
    folder = mkdtempSync(join(tmpdir(), "aurora-files-o'neil-"));
    writeFileSync(
      join(folder, 'orders.csv'),
      'select,a "b",with space,Größe,day\n1,x,"comma, ""quote""",1.5,2024-02-29\n2,Größe 😀,,2.25,2024-03-01\n',
    );

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const parquetPath = join(folder, 'lines.parquet').replaceAll("'", "''");
    await connection.run(`COPY (SELECT 9223372036854775807::BIGINT AS id,
        12345678901234567890.1234567890::DECIMAL(38,10) AS amount,
        TIMESTAMPTZ '2024-03-31 01:30:15.123456+00' AS happened,
        DATE '2024-02-29' AS day) TO '${parquetPath}' (FORMAT parquet)`);
    const blobPath = join(folder, 'blob.parquet').replaceAll("'", "''");
    await connection.run(`COPY (SELECT 1 AS id, 'x'::BLOB AS payload) TO '${blobPath}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();

    source = await createSource({ type: 'files', folder });
  });

  after(async () => {
    await source?.close();
    await source?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('describeTable reads a CSV header', async () => {
    const table = await source.describeTable(tableRequest('orders.csv', ['select']));

    assert.equal(table.rowCount, 2);
    assert.deepEqual(
      table.columns.map((column) => column.name),
      ['select', 'a "b"', 'with space', 'Größe', 'day'],
    );
    assert.deepEqual(table.columns[0]?.type, { kind: 'bigint' });
    assert.deepEqual(table.columns[1]?.type, { kind: 'text' });
    assert.deepEqual(table.columns[4]?.type, { kind: 'date' });
  });

  test('readPartition returns DuckDB SQL', async () => {
    const request = tableRequest('orders.csv', ['select']);
    const table = await source.describeTable(request);
    const partitions = await source.planPartitions(table, request, 7);
    assert.equal(partitions.length, 1);

    const data = await source.readPartition(table, request, partitions[0]!);
    assert.equal(data.kind, 'duckdb-sql');
    if (data.kind !== 'duckdb-sql') {
      return;
    }

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const rows = (await connection.runAndReadAll(data.sql)).getRowsJS();
    connection.closeSync();
    instance.closeSync();
    assert.deepEqual(rows, [
      [1n, 'x', 'comma, "quote"', 1.5, rows[0]?.[4]],
      [2n, 'Größe 😀', null, 2.25, rows[1]?.[4]],
    ]);
  });

  test('describeTable keeps Parquet types', async () => {
    const table = await source.describeTable(tableRequest('lines.parquet', ['id']));
    const types = Object.fromEntries(table.columns.map((column) => [column.name, column.type]));

    assert.deepEqual(types.id, { kind: 'bigint' });
    assert.deepEqual(types.amount, { kind: 'decimal', precision: 38, scale: 10 });
    assert.deepEqual(types.happened, { kind: 'timestamptz' });
    assert.deepEqual(types.day, { kind: 'date' });
  });

  test('Parquet SQL keeps exact values', async () => {
    const request = tableRequest('lines.parquet', ['id']);
    const table = await source.describeTable(request);
    const [partition] = await source.planPartitions(table, request, 3);
    const data = await source.readPartition(table, request, partition!);
    assert.equal(data.kind, 'duckdb-sql');
    if (data.kind !== 'duckdb-sql') {
      return;
    }

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const rows = (
      await connection.runAndReadAll(
        `SELECT id::VARCHAR, amount::VARCHAR, strftime(happened AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f'), day::VARCHAR FROM (${data.sql})`,
      )
    ).getRowsJS();
    connection.closeSync();
    instance.closeSync();
    assert.deepEqual(rows, [['9223372036854775807', '12345678901234567890.1234567890', '2024-03-31 01:30:15.123456', '2024-02-29']]);
  });

  test('missing file', async () => {
    await assert.rejects(source.describeTable(tableRequest('nope.csv', ['id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_TABLE_NOT_FOUND');
      return true;
    });
  });

  test('missing primary key column', async () => {
    await assert.rejects(source.describeTable(tableRequest('orders.csv', ['order_id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_COLUMN_NOT_FOUND');
      return true;
    });
  });

  test('unsupported BLOB column', async () => {
    await assert.rejects(source.describeTable(tableRequest('blob.parquet', ['id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_TYPE_UNSUPPORTED');
      assert.match(error.message, /payload/);
      return true;
    });
  });
});

test('mapDuckdbType maps scalar types', () => {
  assert.deepEqual(mapDuckdbType('t', 'c', 'DECIMAL(18,3)'), { kind: 'decimal', precision: 18, scale: 3 });
  assert.deepEqual(mapDuckdbType('t', 'c', 'UBIGINT'), { kind: 'decimal', precision: 20, scale: 0 });
  assert.deepEqual(mapDuckdbType('t', 'c', 'TIMESTAMP WITH TIME ZONE'), { kind: 'timestamptz' });
  assert.deepEqual(mapDuckdbType('t', 'c', 'VARCHAR'), { kind: 'text' });
  assert.throws(() => mapDuckdbType('t', 'c', 'INTEGER[]'), /INTEGER\[\]/);
  assert.throws(() => mapDuckdbType('t', 'c', 'HUGEINT'), /HUGEINT/);
});

test('missing folder is SOURCE_FILE_NOT_FOUND', async () => {
  await assert.rejects(createSource({ type: 'files', folder: join(tmpdir(), 'aurora-no-such-folder') }), (error) => {
    assert.ok(isAuroraError(error));
    assert.equal(error.code, 'SOURCE_FILE_NOT_FOUND');
    assert.match(error.render('de'), /source\.folder/);
    return true;
  });
});

test('CSV decimals keep every digit and "" stays distinct from NULL', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'aurora-files-csv-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  writeFileSync(join(folder, 'orders.csv'), 'ID,NAME,AMOUNT,RATIO\n1,"",12345678901234567890123.5,1e3\n2,,0.10,0.5\n3,x,-7,2\n');

  const source = await createSource({ type: 'files', folder });
  t.after(() => source.close());
  const request = { ...tableRequest('orders', ['ID']), path: 'orders.csv' };
  const table = await source.describeTable(request);
  assert.deepEqual(
    table.columns.map((column) => column.type),
    [{ kind: 'bigint' }, { kind: 'text' }, { kind: 'decimal', precision: 25, scale: 2 }, { kind: 'text' }],
    'AMOUNT fits DECIMAL(25,2); RATIO has an exponent, so it stays text',
  );

  const [partition] = await source.planPartitions(table, request, 1);
  const data = await source.readPartition(table, request, partition!);
  assert.equal(data.kind, 'duckdb-sql');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  t.after(() => instance.closeSync());
  const rows = (await connection.runAndReadAll(`SELECT CAST(ID AS VARCHAR) AS id, NAME AS name, CAST(AMOUNT AS VARCHAR) AS amount, RATIO AS ratio FROM (${data.kind === 'duckdb-sql' ? data.sql : ''}) ORDER BY ID`)).getRowObjectsJson();
  assert.deepEqual(rows, [
    { id: '1', name: '', amount: '12345678901234567890123.50', ratio: '1e3' },
    { id: '2', name: null, amount: '0.10', ratio: '0.5' },
    { id: '3', name: 'x', amount: '-7.00', ratio: '2' },
  ]);
});
