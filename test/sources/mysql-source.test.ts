import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import mysql from 'mysql2/promise';

import { isAuroraError } from '../../src/errors/aurora-error.js';
import { createSource } from '../../src/sources/create-source.js';
import type { Source } from '../../src/sources/types.js';
import {
  createThrowawayMysqlDatabase,
  mysqlTestUrl,
  probeMysql,
  requireService,
  type ThrowawayDatabase,
} from '../helpers/services.js';
import {
  assertKeyEnforcement,
  measureUnreadBuffering,
  parseCanonicalCsv,
  readAllPartitions,
  readPartitionText,
  tableRequest,
} from '../helpers/source-rows.js';

const skip = await requireService('MariaDB', () => probeMysql(mysqlTestUrl()));

const HOSTILE_TEXT = 'comma, "quote"\nnewline';

describe('MysqlSource', { skip }, () => {
  let database: ThrowawayDatabase;
  let source: Source;

  before(async () => {
    database = await createThrowawayMysqlDatabase();
    const connection = await mysql.createConnection({ uri: database.url, multipleStatements: true, charset: 'utf8mb4' });
    try {
      await connection.query("SET time_zone = '+02:00'");
      await connection.query(`
        CREATE TABLE typed (
          id INT PRIMARY KEY,
          amount DECIMAL(38,10),
          big BIGINT,
          ubig BIGINT UNSIGNED,
          small SMALLINT,
          tiny TINYINT,
          ratio DOUBLE,
          label VARCHAR(100),
          body TEXT,
          fixed CHAR(3),
          happened TIMESTAMP(6) NULL,
          local_time DATETIME(6),
          day DATE,
          at_time TIME(6),
          flag TINYINT(1),
          kind ENUM('a','b'),
          yr YEAR
        );
        CREATE TABLE unsupported (id INT PRIMARY KEY, payload BLOB);
        CREATE TABLE \`odd \`\`table\`\` Größe\` (
          \`select\` INT PRIMARY KEY,
          \`a "b"\` TEXT,
          \`with space\` TEXT,
          \`Größe\` DECIMAL(10,2)
        );
        CREATE TABLE spread (id INT PRIMARY KEY, k BIGINT);
        CREATE TABLE big (id INT PRIMARY KEY, payload TEXT);
        CREATE TABLE flags (id INT PRIMARY KEY, flag TINYINT(1));
        INSERT INTO flags VALUES (1, 1), (2, 5);
        CREATE TABLE keyed_pair (a INT NOT NULL, b VARCHAR(20) NOT NULL, PRIMARY KEY (b, a));
        CREATE TABLE unique_nullable (id INT, UNIQUE KEY (id));
        CREATE TABLE unique_not_null (id INT NOT NULL, UNIQUE KEY (id));
        CREATE TABLE prefix_unique (code VARCHAR(40) NOT NULL, UNIQUE KEY (code(10)));
        CREATE TABLE unkeyed (id INT NOT NULL);
        INSERT INTO big SELECT seq, HEX(RANDOM_BYTES(250)) FROM seq_1_to_100000;
      `);
      await connection.query('INSERT INTO typed VALUES ?', [
        [
          [
            1, '12345678901234567890.1234567890', '9223372036854775807', '18446744073709551615', 32767, -128, 0.1, '',
            'Größe 😀', 'abc', '2024-03-31 03:30:15.123456', '2024-03-31 01:30:15.123456', '2024-02-29', '23:59:59.5',
            1, 'a', 2024,
          ],
          [
            2, '-0.0000000001', '-9223372036854775808', '0', null, null, -1.5e300, null, HOSTILE_TEXT, null, null, null,
            null, null, 0, null, null,
          ],
        ],
      ]);
      await connection.query('INSERT INTO `odd ``table`` Größe` VALUES ?', [
        [
          [1, 'x', 'y', '1.50'],
          [2, '', null, null],
          [3, "it's", ' padded ', '-2.25'],
        ],
      ]);
      const spread = Array.from({ length: 500 }, (_, i) => {
        const id = i + 1;
        return [id, id % 10 === 0 ? null : `${(id % 17) * 1000000000000}`];
      });
      await connection.query('INSERT INTO spread VALUES ?', [spread]);
    } finally {
      await connection.end();
    }
    source = await createSource({ type: 'mysql', url: database.url });
  });

  after(async () => {
    await source?.close();
    await source?.close();
    await database?.drop();
  });

  test('describeTable maps types', async () => {
    const table = await source.describeTable(tableRequest('typed', ['id']));
    const types = Object.fromEntries(table.columns.map((column) => [column.name, column.type]));

    assert.equal(table.sourceName, `${database.name}.typed`);
    assert.equal(table.rowCount, 2);
    assert.deepEqual(types.id, { kind: 'integer' });
    assert.deepEqual(types.amount, { kind: 'decimal', precision: 38, scale: 10 });
    assert.deepEqual(types.big, { kind: 'bigint' });
    assert.deepEqual(types.ubig, { kind: 'decimal', precision: 20, scale: 0 });
    assert.deepEqual(types.small, { kind: 'smallint' });
    assert.deepEqual(types.tiny, { kind: 'smallint' });
    assert.deepEqual(types.ratio, { kind: 'double' });
    assert.deepEqual(types.label, { kind: 'text' });
    assert.deepEqual(types.body, { kind: 'text' });
    assert.deepEqual(types.fixed, { kind: 'text' });
    assert.deepEqual(types.happened, { kind: 'timestamptz' });
    assert.deepEqual(types.local_time, { kind: 'timestamp' });
    assert.deepEqual(types.day, { kind: 'date' });
    assert.deepEqual(types.at_time, { kind: 'time' });
    assert.deepEqual(types.flag, { kind: 'boolean' });
    assert.deepEqual(types.kind, { kind: 'text' });
    assert.deepEqual(types.yr, { kind: 'smallint' });
  });

  test('readPartition writes canonical CSV', async () => {
    const request = tableRequest('typed', ['id']);
    const table = await source.describeTable(request);
    const [partition] = await source.planPartitions(table, request, 1);
    const text = await readPartitionText(await source.readPartition(table, request, partition!));
    const rows = parseCanonicalCsv(text).sort((a, b) => Number(a[0]) - Number(b[0]));

    assert.deepEqual(rows[0], [
      '1',
      '12345678901234567890.1234567890',
      '9223372036854775807',
      '18446744073709551615',
      '32767',
      '-128',
      '0.1',
      '',
      'Größe 😀',
      'abc',
      // Inserted as 03:30:15 in a +02:00 session: the instant is 01:30:15 UTC.
      '2024-03-31 01:30:15.123456Z',
      '2024-03-31 01:30:15.123456',
      '2024-02-29',
      '23:59:59.500000',
      'true',
      'a',
      '2024',
    ]);
    assert.deepEqual(rows[1], [
      '2',
      '-0.0000000001',
      '-9223372036854775808',
      '0',
      null,
      null,
      '-1.5e+300',
      null,
      HOSTILE_TEXT,
      null,
      null,
      null,
      null,
      null,
      'false',
      null,
      null,
    ]);
  });

  test('hostile identifiers', async () => {
    const request = tableRequest('odd `table` Größe', ['select']);
    const table = await source.describeTable(request);
    assert.deepEqual(
      table.columns.map((column) => column.name),
      ['select', 'a "b"', 'with space', 'Größe'],
    );

    const { partitions, rows } = await readAllPartitions(source, table, request, 3);
    assert.equal(partitions, 3);
    rows.sort((a, b) => Number(a[0]) - Number(b[0]));
    assert.deepEqual(rows, [
      ['1', 'x', 'y', '1.50'],
      ['2', '', null, null],
      ['3', "it's", ' padded ', '-2.25'],
    ]);
  });

  for (const count of [1, 3, 7]) {
    test(`partitions cover every row once (N=${count})`, async () => {
      const request = tableRequest('spread', ['id'], { partitionColumn: 'k' });
      const table = await source.describeTable(request);
      const { partitions, rows } = await readAllPartitions(source, table, request, count);
      const ids = rows.map((row) => Number(row[0])).sort((a, b) => a - b);

      assert.ok(partitions >= 1, `got ${partitions} partitions`);
      assert.ok(partitions <= count, `got ${partitions} partitions for N=${count}`);
      assert.equal(ids.length, 500);
      assert.deepEqual(ids, Array.from({ length: 500 }, (_, i) => i + 1));
    });
  }

  test('partition bounds keep 64-bit keys', async () => {
    const request = tableRequest('typed', ['id'], { partitionColumn: 'big' });
    const table = await source.describeTable(request);
    const ranges = await source.planPartitions(table, request, 2);
    assert.deepEqual(
      ranges.map((range) => [range.lower, range.upper, range.includesNulls]),
      [
        [undefined, '9223372036854775807', true],
        ['9223372036854775807', undefined, false],
      ],
    );
    const { rows } = await readAllPartitions(source, table, request, 2);
    assert.deepEqual(rows.map((row) => row[0]).sort(), ['1', '2']);
  });

  test('destroyed stream releases its connection', async () => {
    const request = tableRequest('spread', ['id']);
    const table = await source.describeTable(request);
    for (let i = 0; i < 15; i++) {
      const data = await source.readPartition(table, request, { index: 0, column: 'id', includesNulls: true });
      assert.equal(data.kind, 'csv');
      if (data.kind === 'csv') {
        data.stream.destroy();
      }
    }
    const described = await source.describeTable(request);
    assert.equal(described.rowCount, 500);
  });

  test('unread partition stays buffered small', async () => {
    const request = tableRequest('big', ['id']);
    const table = await source.describeTable(request);
    const [partition] = await source.planPartitions(table, request, 1);
    const { heapGrowthBytes, rows } = await measureUnreadBuffering(() => source.readPartition(table, request, partition!));

    assert.equal(rows, 100_000);
    // The table is about 50 MB of CSV; a stream without backpressure would hold all of it.
    assert.ok(heapGrowthBytes < 20_000_000, `heap grew by ${heapGrowthBytes} bytes while the stream was unread`);
  });

  test('TINYINT(1) outside 0 and 1 is passed on as its number', async () => {
    const request = tableRequest('flags', ['id']);
    const table = await source.describeTable(request);
    const data = await source.readPartition(table, request, { index: 0, column: 'id', includesNulls: true });
    // The bronze writer rejects `5` for a boolean column with VALUE_TYPE_MISMATCH and the key.
    assert.match(await readPartitionText(data), /,5\n/);
  });

  test('key enforcement by primary key or unique index', async () => {
    await assertKeyEnforcement(source, [
      ['big', ['id'], true],
      ['keyed_pair', ['a', 'b'], true],
      ['keyed_pair', ['a'], false],
      ['unique_nullable', ['id'], false],
      ['unique_not_null', ['id'], true],
      ['prefix_unique', ['code'], false],
      ['unkeyed', ['id'], false],
    ]);
  });

  test('missing table', async () => {
    await assert.rejects(source.describeTable(tableRequest('nope', ['id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_TABLE_NOT_FOUND');
      assert.match(error.message, /\.nope/);
      return true;
    });
  });

  test('missing partition column', async () => {
    await assert.rejects(
      source.describeTable(tableRequest('typed', ['id'], { partitionColumn: 'created' })),
      (error) => {
        assert.ok(isAuroraError(error));
        assert.equal(error.code, 'SOURCE_COLUMN_NOT_FOUND');
        assert.match(error.message, /created \(partition_column\)/);
        return true;
      },
    );
  });

  test('unsupported BLOB column', async () => {
    await assert.rejects(source.describeTable(tableRequest('unsupported', ['id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_TYPE_UNSUPPORTED');
      assert.match(error.message, /unsupported\.payload/);
      assert.match(error.message, /blob/);
      return true;
    });
  });
});

test('unreachable MySQL hides password', async () => {
  await assert.rejects(createSource({ type: 'mysql', url: 'mysql://aurora:s3cret-pw@127.0.0.1:1/erp' }), (error) => {
    assert.ok(isAuroraError(error));
    assert.equal(error.code, 'SOURCE_UNREACHABLE');
    assert.match(error.message, /127\.0\.0\.1:1/);
    assert.doesNotMatch(error.message, /s3cret-pw/);
    return true;
  });
});
