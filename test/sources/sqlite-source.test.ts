import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import Database from 'better-sqlite3';

import { isAuroraError } from '../../src/errors/aurora-error.js';
import { createSource } from '../../src/sources/create-source.js';
import type { Source } from '../../src/sources/types.js';
import {
  assertKeyEnforcement,
  measureUnreadBuffering,
  parseCanonicalCsv,
  readAllPartitions,
  readPartitionText,
  tableRequest,
} from '../helpers/source-rows.js';

const HOSTILE_TEXT = 'comma, "quote"\nnewline';

describe('SqliteSource', () => {
  let folder: string;
  let source: Source;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'aurora-sqlite-'));
    const path = join(folder, 'erp.sqlite');
    const database = new Database(path);
    database.exec(`
      CREATE TABLE typed (
        id INTEGER PRIMARY KEY,
        amount DECIMAL(38,10),
        price NUMERIC(10,2),
        big BIGINT,
        ratio REAL,
        label TEXT,
        code VARCHAR(20),
        day DATE,
        local_time DATETIME,
        flag BOOLEAN,
        doc JSON
      );
      CREATE TABLE unsupported (id INTEGER PRIMARY KEY, payload BLOB);
      CREATE TABLE "odd ""table"" Größe" (
        "select" INTEGER PRIMARY KEY,
        "a ""b""" TEXT,
        "with space" TEXT,
        "Größe" NUMERIC(10,2)
      );
      CREATE TABLE spread (id INTEGER PRIMARY KEY, k BIGINT);
      CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT);
      WITH RECURSIVE series(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM series WHERE n < 100000)
        INSERT INTO big SELECT n, hex(randomblob(250)) FROM series;
    `);
    const insert = database.prepare('INSERT INTO typed VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    insert.run(1, '123456789.123', '12.50', 9223372036854775807n, 0.1, '', 'Größe 😀', '2024-02-29', '2024-03-31 01:30:15.123456', 1, '{"a":[1,2]}');
    insert.run(2, '-0.0000000001', null, -9223372036854775808n, -1.5e300, null, HOSTILE_TEXT, null, null, 0, null);
    insert.run(3, '12345678901234567890', 7, 0n, null, 'x', null, null, null, null, null);

    const hostile = database.prepare('INSERT INTO "odd ""table"" Größe" VALUES (?, ?, ?, ?)');
    hostile.run(1, 'x', 'y', '1.50');
    hostile.run(2, '', null, null);
    hostile.run(3, "it's", ' padded ', '-2.25');

    const spread = database.prepare('INSERT INTO spread VALUES (?, ?)');
    for (let id = 1; id <= 500; id++) {
      spread.run(id, id % 10 === 0 ? null : BigInt(id % 17) * 1_000_000_000_000n);
    }
    database.exec(`
      CREATE TABLE keyed_pair (a INTEGER NOT NULL, b TEXT NOT NULL, note TEXT, PRIMARY KEY (b, a));
      CREATE TABLE nullable_key (code TEXT PRIMARY KEY, note TEXT);
      CREATE TABLE indexed_key (id INTEGER NOT NULL, note TEXT);
      CREATE UNIQUE INDEX indexed_key_id ON indexed_key (id);
      CREATE TABLE partial_key (id INTEGER NOT NULL, note TEXT);
      CREATE UNIQUE INDEX partial_key_id ON partial_key (id) WHERE note IS NOT NULL;
      CREATE TABLE no_key (id INTEGER NOT NULL);
      CREATE TABLE descending_key (id INTEGER PRIMARY KEY DESC, note TEXT);
    `);
    database.close();

    source = await createSource({ type: 'sqlite', path });
  });

  test('key enforcement by primary key or index', async () => {
    await assertKeyEnforcement(source, [
      ['typed', ['id'], true],
      ['keyed_pair', ['a', 'b'], true],
      ['keyed_pair', ['a'], false],
      ['nullable_key', ['code'], false],
      ['indexed_key', ['id'], true],
      ['partial_key', ['id'], false],
      ['no_key', ['id'], false],
      ['descending_key', ['id'], false],
    ]);
  });

  after(async () => {
    await source?.close();
    await source?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test('describeTable maps declared types', async () => {
    const table = await source.describeTable(tableRequest('typed', ['id']));
    const types = Object.fromEntries(table.columns.map((column) => [column.name, column.type]));

    assert.equal(table.rowCount, 3);
    assert.deepEqual(types.id, { kind: 'bigint' });
    assert.deepEqual(types.amount, { kind: 'decimal', precision: 38, scale: 10 });
    assert.deepEqual(types.price, { kind: 'decimal', precision: 10, scale: 2 });
    assert.deepEqual(types.big, { kind: 'bigint' });
    assert.deepEqual(types.ratio, { kind: 'double' });
    assert.deepEqual(types.label, { kind: 'text' });
    assert.deepEqual(types.code, { kind: 'text' });
    assert.deepEqual(types.day, { kind: 'date' });
    assert.deepEqual(types.local_time, { kind: 'timestamp' });
    assert.deepEqual(types.flag, { kind: 'boolean' });
    assert.deepEqual(types.doc, { kind: 'json' });
  });

  test('readPartition writes canonical CSV', async () => {
    const request = tableRequest('typed', ['id']);
    const table = await source.describeTable(request);
    const [partition] = await source.planPartitions(table, request, 1);
    const text = await readPartitionText(await source.readPartition(table, request, partition!));
    const rows = parseCanonicalCsv(text);

    assert.deepEqual(rows[0], [
      '1',
      // SQLite stored this as a REAL; 12 significant digits survive it exactly.
      '123456789.1230000000',
      '12.50',
      '9223372036854775807',
      '0.1',
      '',
      'Größe 😀',
      '2024-02-29',
      '2024-03-31 01:30:15.123456',
      'true',
      '{"a":[1,2]}',
    ]);
    assert.deepEqual(rows[1], ['2', '-0.0000000001', null, '-9223372036854775808', '-1.5e+300', null, HOSTILE_TEXT, null, null, 'false', null]);
    // 20 integer digits exceed 64 bits, so SQLite stored a REAL that no fixed-scale text matches;
    // it is passed on as SQLite prints it, for the bronze writer to reject rather than round.
    assert.deepEqual(rows[2]?.slice(0, 3), ['3', '1.2345678901234567e+19', '7']);
  });

  test('hostile identifiers', async () => {
    const request = tableRequest('odd "table" Größe', ['select']);
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
    const ranges = await source.planPartitions(table, request, 3);
    assert.deepEqual(
      ranges.map((range) => [range.lower, range.upper]),
      [
        [undefined, '0'],
        ['0', '9223372036854775807'],
        ['9223372036854775807', undefined],
      ],
    );
    const { rows } = await readAllPartitions(source, table, request, 3);
    assert.deepEqual(rows.map((row) => row[0]).sort(), ['1', '2', '3']);
  });

  test('parallel partitions read at once', async () => {
    const request = tableRequest('spread', ['id']);
    const table = await source.describeTable(request);
    const ranges = await source.planPartitions(table, request, 4);
    const texts = await Promise.all(
      ranges.map(async (range) => readPartitionText(await source.readPartition(table, request, range))),
    );
    assert.equal(texts.flatMap((text) => parseCanonicalCsv(text)).length, 500);
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

  test('missing table', async () => {
    await assert.rejects(source.describeTable(tableRequest('nope', ['id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_TABLE_NOT_FOUND');
      return true;
    });
  });

  test('missing schema', async () => {
    await assert.rejects(source.describeTable(tableRequest('archive.typed', ['id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_TABLE_NOT_FOUND');
      assert.match(error.message, /archive\.typed/);
      return true;
    });
  });

  test('missing primary key column', async () => {
    await assert.rejects(source.describeTable(tableRequest('typed', ['order_id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_COLUMN_NOT_FOUND');
      return true;
    });
  });

  test('unsupported BLOB column', async () => {
    await assert.rejects(source.describeTable(tableRequest('unsupported', ['id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_TYPE_UNSUPPORTED');
      assert.match(error.message, /unsupported\.payload/);
      return true;
    });
  });
});

test('missing SQLite file is SOURCE_FILE_NOT_FOUND', async () => {
  await assert.rejects(createSource({ type: 'sqlite', path: join(tmpdir(), 'aurora-no-such-file.sqlite') }), (error) => {
    assert.ok(isAuroraError(error));
    assert.equal(error.code, 'SOURCE_FILE_NOT_FOUND');
    assert.match(error.render('de'), /source\.path/);
    return true;
  });
});
