import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

import { isAuroraError } from '../../src/errors/aurora-error.js';
import { createSource } from '../../src/sources/create-source.js';
import type { Source } from '../../src/sources/types.js';
import {
  createThrowawayPostgresDatabase,
  postgresTestUrl,
  probePostgres,
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

const skip = await requireService('PostgreSQL', () => probePostgres(postgresTestUrl()));

const HOSTILE_TEXT = 'comma, "quote"\nnewline';

describe('PostgresSource', { skip }, () => {
  let database: ThrowawayDatabase;
  let source: Source;

  before(async () => {
    database = await createThrowawayPostgresDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`
        CREATE SCHEMA erp;
        CREATE TABLE erp.typed (
          id integer PRIMARY KEY,
          amount numeric(38,10),
          loose numeric,
          big bigint,
          small smallint,
          ratio double precision,
          ratio4 real,
          label text,
          code varchar(40),
          fixed char(3),
          happened timestamptz,
          local_time timestamp,
          day date,
          at_time time,
          doc jsonb,
          ident uuid,
          flag boolean
        );
        INSERT INTO erp.typed VALUES
          (1, 12345678901234567890.1234567890, 1.5, 9223372036854775807, 32767, 0.1, 0.25, '', 'Größe 😀', 'abc',
           '2024-03-31 01:30:15.123456+02', '2024-03-31 01:30:15.123456', '2024-02-29', '23:59:59.5',
           '{"a": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true),
          (2, -0.0000000001, NULL, -9223372036854775808, -32768, -1.5e300, NULL, NULL, ${pgLiteral(HOSTILE_TEXT)}, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, false);
        CREATE TABLE public.unsupported (id integer PRIMARY KEY, payload bytea);
        CREATE TABLE public."odd ""table"" Größe" (
          "select" integer PRIMARY KEY,
          "a ""b""" text,
          "with space" text,
          "Größe" numeric(10,2)
        );
        INSERT INTO public."odd ""table"" Größe" VALUES (1, 'x', 'y', 1.50), (2, '', NULL, NULL), (3, 'it''s', ' padded ', -2.25);
        CREATE TABLE public.spread (id integer PRIMARY KEY, k bigint);
        INSERT INTO public.spread SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE (g % 17) * 1000000000000 END
          FROM generate_series(1, 500) AS g;
        CREATE TABLE public.big (id integer PRIMARY KEY, payload text);
        INSERT INTO public.big SELECT g, repeat(md5(g::text), 16) FROM generate_series(1, 100000) AS g;
        CREATE TABLE public.keyed_pair (a integer, b text, note text, PRIMARY KEY (b, a));
        CREATE TABLE public.unique_nullable (id integer UNIQUE, note text);
        CREATE TABLE public.unique_not_null (id integer NOT NULL, note text);
        CREATE UNIQUE INDEX unique_not_null_id ON public.unique_not_null (id);
        CREATE TABLE public.partial_unique (id integer NOT NULL, note text);
        CREATE UNIQUE INDEX partial_unique_id ON public.partial_unique (id) WHERE note IS NOT NULL;
        CREATE TABLE public.wider_unique (id integer NOT NULL, other integer NOT NULL);
        CREATE UNIQUE INDEX wider_unique_ids ON public.wider_unique (id, other);
        CREATE TABLE public.unkeyed (id integer NOT NULL);
        CREATE TABLE public.inherited (id integer PRIMARY KEY, note text);
        CREATE TABLE public.inherited_child () INHERITS (public.inherited);
        CREATE TABLE public.partitioned (id integer NOT NULL, note text, PRIMARY KEY (id)) PARTITION BY RANGE (id);
        CREATE TABLE public.partitioned_low PARTITION OF public.partitioned FOR VALUES FROM (0) TO (1000);
      `);
    } finally {
      await client.end();
    }
    source = await createSource({ type: 'postgres', url: database.url, schema: 'public' });
  });

  after(async () => {
    await source?.close();
    await source?.close();
    await database?.drop();
  });

  test('describeTable maps types', async () => {
    const table = await source.describeTable(tableRequest('erp.typed', ['id']));
    const types = Object.fromEntries(table.columns.map((column) => [column.name, column.type]));

    assert.equal(table.sourceName, 'erp.typed');
    assert.equal(table.rowCount, 2);
    assert.deepEqual(types.id, { kind: 'integer' });
    assert.deepEqual(types.amount, { kind: 'decimal', precision: 38, scale: 10 });
    assert.deepEqual(types.loose, { kind: 'decimal', precision: 38, scale: 10 });
    assert.deepEqual(types.big, { kind: 'bigint' });
    assert.deepEqual(types.small, { kind: 'smallint' });
    assert.deepEqual(types.ratio, { kind: 'double' });
    assert.deepEqual(types.ratio4, { kind: 'double' });
    assert.deepEqual(types.label, { kind: 'text' });
    assert.deepEqual(types.code, { kind: 'text' });
    assert.deepEqual(types.fixed, { kind: 'text' });
    assert.deepEqual(types.happened, { kind: 'timestamptz' });
    assert.deepEqual(types.local_time, { kind: 'timestamp' });
    assert.deepEqual(types.day, { kind: 'date' });
    assert.deepEqual(types.at_time, { kind: 'time' });
    assert.deepEqual(types.doc, { kind: 'json' });
    assert.deepEqual(types.ident, { kind: 'uuid' });
    assert.deepEqual(types.flag, { kind: 'boolean' });
    assert.equal(table.columns.find((column) => column.name === 'id')?.nullable, false);
    assert.equal(table.columns.find((column) => column.name === 'amount')?.nullable, true);
  });

  test('readPartition writes canonical CSV', async () => {
    const request = tableRequest('erp.typed', ['id']);
    const table = await source.describeTable(request);
    const [partition] = await source.planPartitions(table, request, 1);
    const text = await readPartitionText(await source.readPartition(table, request, partition!));
    const rows = parseCanonicalCsv(text).sort((a, b) => Number(a[0]) - Number(b[0]));

    assert.deepEqual(rows[0], [
      '1',
      '12345678901234567890.1234567890',
      '1.5',
      '9223372036854775807',
      '32767',
      '0.1',
      '0.25',
      '',
      'Größe 😀',
      'abc',
      '2024-03-30 23:30:15.123456+00',
      '2024-03-31 01:30:15.123456',
      '2024-02-29',
      '23:59:59.5',
      '{"a": [1, 2]}',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'true',
    ]);
    assert.deepEqual(rows[1], [
      '2',
      '-0.0000000001',
      null,
      '-9223372036854775808',
      '-32768',
      '-1.5e+300',
      null,
      null,
      HOSTILE_TEXT,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      'false',
    ]);
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
    const request = tableRequest('erp.typed', ['id'], { partitionColumn: 'big' });
    const table = await source.describeTable(request);
    const ranges = await source.planPartitions(table, request, 2);
    assert.deepEqual(
      ranges.map((range) => [range.lower, range.upper, range.includesNulls]),
      [
        [undefined, '9223372036854775807', true],
        ['9223372036854775807', undefined, false],
      ],
    );
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

  test('destroyed stream releases its connection', async () => {
    const request = tableRequest('big', ['id']);
    const table = await source.describeTable(request);
    // More streams than the pool's 10 connections: a leak would make a later connect wait forever.
    for (let i = 0; i < 15; i++) {
      const data = await source.readPartition(table, request, { index: 0, column: 'id', includesNulls: true });
      assert.equal(data.kind, 'csv');
      if (data.kind === 'csv') {
        data.stream.destroy();
      }
    }
    const described = await source.describeTable(request);
    assert.equal(described.rowCount, 100_000);
  });

  test('failed COPY raises SOURCE_READ_FAILED', async () => {
    const request = tableRequest('spread', ['id']);
    const table = await source.describeTable(request);
    const data = await source.readPartition(table, request, { index: 4, column: 'id', includesNulls: false, lower: 'not a number' });
    await assert.rejects(readPartitionText(data), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_READ_FAILED');
      assert.match(error.message, /partition 4/);
      assert.match(error.message, /invalid input syntax/);
      return true;
    });
  });

  test('key enforcement by constraint or index', async () => {
    await assertKeyEnforcement(source, [
      ['public.big', ['id'], true],
      ['public.keyed_pair', ['a', 'b'], true],
      ['public.keyed_pair', ['a'], false],
      ['public.unique_nullable', ['id'], false],
      ['public.unique_not_null', ['id'], true],
      ['public.partial_unique', ['id'], false],
      ['public.wider_unique', ['id'], false],
      ['public.unkeyed', ['id'], false],
      ['public.inherited', ['id'], false],
      ['public.partitioned', ['id'], true],
    ]);
  });

  test('row count estimate from statistics', async () => {
    // Created here, so that autovacuum has had no time to collect statistics.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('CREATE TABLE public.counted (id integer NOT NULL); INSERT INTO public.counted SELECT g FROM generate_series(1, 1000) AS g');
    const request = tableRequest('public.counted', ['id']);

    const exact = await source.describeTable(request);
    assert.equal(exact.rowCount, 1000);
    assert.equal(exact.rowCountIsEstimate, undefined);

    // Without statistics PostgreSQL has no estimate, so the source counts.
    const unanalyzed = await source.describeTable({ ...request, estimateRowCount: true });
    assert.equal(unanalyzed.rowCount, 1000);
    assert.equal(unanalyzed.rowCountIsEstimate, undefined);

    await client.query('ANALYZE public.counted');
    await client.query('INSERT INTO public.counted SELECT g FROM generate_series(1001, 1500) AS g');
    await client.end();
    const estimated = await source.describeTable({ ...request, estimateRowCount: true });
    assert.equal(estimated.rowCount, 1000, 'the estimate of the last ANALYZE, not the 1,500 rows now');
    assert.equal(estimated.rowCountIsEstimate, true);
  });

  test('missing table', async () => {
    await assert.rejects(source.describeTable(tableRequest('nope', ['id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_TABLE_NOT_FOUND');
      assert.match(error.message, /public\.nope/);
      return true;
    });
  });

  test('missing primary key column', async () => {
    await assert.rejects(source.describeTable(tableRequest('erp.typed', ['order_id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_COLUMN_NOT_FOUND');
      assert.match(error.message, /order_id/);
      return true;
    });
  });

  test('unsupported bytea column', async () => {
    await assert.rejects(source.describeTable(tableRequest('unsupported', ['id'])), (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_TYPE_UNSUPPORTED');
      assert.match(error.message, /public\.unsupported\.payload/);
      assert.match(error.message, /bytea/);
      return true;
    });
  });
});

test('unreachable PostgreSQL hides password', async () => {
  await assert.rejects(
    createSource({ type: 'postgres', url: 'postgres://aurora:s3cret-pw@127.0.0.1:1/erp' }),
    (error) => {
      assert.ok(isAuroraError(error));
      assert.equal(error.code, 'SOURCE_UNREACHABLE');
      assert.match(error.message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(error.message, /s3cret-pw/);
      assert.doesNotMatch(error.render('de'), /s3cret-pw/);
      return true;
    },
  );
});

function pgLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
