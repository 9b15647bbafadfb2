import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import mysql from 'mysql2/promise';
import pg from 'pg';

import { AuroraError } from '../../src/errors/aurora-error.js';
import { loadSuperstore, readSuperstoreRows, SUPERSTORE_TABLE, superstoreCsvPath } from '../../src/samples/superstore.js';
import { openSampleTarget, type SampleRow, type SampleTableDefinition } from '../../src/samples/targets/sample-target.js';
import {
  createThrowawayMysqlDatabase,
  createThrowawayPostgresDatabase,
  probeMysql,
  probePostgres,
  requireService,
  type ThrowawayDatabase,
} from '../helpers/services.js';

const TABLE = SUPERSTORE_TABLE.name;
const SCALE = 4;

/** Expected values computed from the CSV text alone, with BigInt so no float is involved. */
const csv = readExpectations();

function readExpectations() {
  const records = parse(readFileSync(superstoreCsvPath(), 'utf8'), { bom: true }) as string[][];
  const [header, ...rows] = records;
  const column = (name: string): number => header?.indexOf(name) ?? -1;
  const byRowId = new Map(rows.map((row) => [row[column('Row ID')] ?? '', row]));
  const fourDigitPostalRow = rows.find((row) => /^\d{4}$/.test(row[column('Postal Code')] ?? ''));

  return {
    rowCount: rows.length,
    salesSum: sumDecimals(rows.map((row) => row[column('Sales')] ?? '')),
    profitSum: sumDecimals(rows.map((row) => row[column('Profit')] ?? '')),
    emptyPostalCodes: rows.filter((row) => row[column('Postal Code')] === '').length,
    productName: (rowId: string) => byRowId.get(rowId)?.[column('Product Name')],
    fourDigitPostal: {
      rowId: fourDigitPostalRow?.[column('Row ID')] ?? '',
      postalCode: fourDigitPostalRow?.[column('Postal Code')] ?? '',
    },
  };
}

/** Adds decimal strings exactly and returns the sum with SCALE fraction digits. */
function sumDecimals(values: Iterable<string>): string {
  let total = 0n;
  for (const value of values) {
    const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
    assert.ok(match, `not a decimal: ${JSON.stringify(value)}`);
    const fraction = (match[3] ?? '').padEnd(SCALE, '0');
    assert.equal(fraction.length, SCALE, `more than ${SCALE} fraction digits: ${value}`);
    const scaled = BigInt(`${match[2]}${fraction}`);
    total += match[1] === '-' ? -scaled : scaled;
  }
  const sign = total < 0n ? '-' : '';
  const digits = (total < 0n ? -total : total).toString().padStart(SCALE + 1, '0');
  return `${sign}${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`;
}

/** Reads a loaded table back through the database's own driver, every value as text. */
interface LoadedTable {
  count(table?: string): Promise<number>;
  decimalSums(): Promise<{ sales: string; profit: string }>;
  nullPostalCodes(): Promise<number>;
  value(rowId: string, column: string): Promise<string | null>;
  close(): Promise<void>;
}

function sqliteReader(path: string): LoadedTable {
  const database = new Database(path, { readonly: true });
  return {
    count: async (table = TABLE) =>
      (database.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n,
    // SQLite's SUM works in floating point, so the exact sum is taken over the stored text.
    async decimalSums() {
      const rows = database.prepare(`SELECT SALES, PROFIT, typeof(SALES) AS t1, typeof(PROFIT) AS t2 FROM "${TABLE}"`).all() as {
        SALES: string;
        PROFIT: string;
        t1: string;
        t2: string;
      }[];
      assert.ok(rows.every((row) => row.t1 === 'text' && row.t2 === 'text'), 'SQLite stored a decimal as a number');
      return { sales: sumDecimals(rows.map((row) => row.SALES)), profit: sumDecimals(rows.map((row) => row.PROFIT)) };
    },
    nullPostalCodes: async () =>
      (database.prepare(`SELECT count(*) AS n FROM "${TABLE}" WHERE POSTAL_CODE IS NULL`).get() as { n: number }).n,
    value: async (rowId, column) =>
      (database.prepare(`SELECT CAST("${column}" AS TEXT) AS v FROM "${TABLE}" WHERE ROW_ID = ?`).get(Number(rowId)) as { v: string | null })
        .v,
    close: async () => {
      database.close();
    },
  };
}

async function postgresReader(url: string): Promise<LoadedTable> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const single = async (sql: string, values: unknown[] = []): Promise<string | null> => {
    const result = await client.query<{ v: string | null }>(sql, values);
    return result.rows[0]?.v ?? null;
  };
  return {
    count: async (table = TABLE) => Number(await single(`SELECT count(*)::text AS v FROM "${table}"`)),
    decimalSums: async () => ({
      sales: (await single(`SELECT sum("SALES")::text AS v FROM "${TABLE}"`)) ?? '',
      profit: (await single(`SELECT sum("PROFIT")::text AS v FROM "${TABLE}"`)) ?? '',
    }),
    nullPostalCodes: async () => Number(await single(`SELECT count(*)::text AS v FROM "${TABLE}" WHERE "POSTAL_CODE" IS NULL`)),
    value: (rowId, column) => single(`SELECT "${column}"::text AS v FROM "${TABLE}" WHERE "ROW_ID" = $1`, [rowId]),
    close: () => client.end(),
  };
}

async function mysqlReader(url: string): Promise<LoadedTable> {
  const connection = await mysql.createConnection({ uri: url, charset: 'utf8mb4' });
  const single = async (sql: string, values: unknown[] = []): Promise<string | null> => {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(sql, values);
    const value: unknown = rows[0]?.v;
    return value === null || value === undefined ? null : String(value);
  };
  return {
    count: async (table = TABLE) => Number(await single(`SELECT CAST(count(*) AS CHAR) AS v FROM \`${table}\``)),
    decimalSums: async () => ({
      sales: (await single(`SELECT CAST(sum(SALES) AS CHAR) AS v FROM \`${TABLE}\``)) ?? '',
      profit: (await single(`SELECT CAST(sum(PROFIT) AS CHAR) AS v FROM \`${TABLE}\``)) ?? '',
    }),
    nullPostalCodes: async () => Number(await single(`SELECT CAST(count(*) AS CHAR) AS v FROM \`${TABLE}\` WHERE POSTAL_CODE IS NULL`)),
    value: (rowId, column) => single(`SELECT CAST(\`${column}\` AS CHAR) AS v FROM \`${TABLE}\` WHERE ROW_ID = ?`, [rowId]),
    close: () => connection.end(),
  };
}

/** Yields the first `count` CSV rows, then throws, as if the file broke off while being read. */
async function* rowsThenError(count: number): AsyncGenerator<SampleRow> {
  let emitted = 0;
  for await (const row of readSuperstoreRows()) {
    if (emitted === count) {
      throw new Error('simulated read failure');
    }
    yield row;
    emitted += 1;
  }
}

/** Yields the first `count` CSV rows, then one more row whose column `column` contains `value`. */
async function* rowsThenValue(count: number, column: string, value: string): AsyncGenerator<SampleRow> {
  const index = SUPERSTORE_TABLE.columns.findIndex((entry) => entry.name === column);
  let emitted = 0;
  let last: SampleRow = [];
  for await (const row of readSuperstoreRows()) {
    if (emitted === count) {
      const broken = [...last];
      broken[index] = value;
      yield broken;
      return;
    }
    yield row;
    last = row;
    emitted += 1;
  }
}

const brokenTable: SampleTableDefinition = { ...SUPERSTORE_TABLE, name: 'SUPERSTORE_BROKEN' };

/** Sums per target kind, compared across targets by the last test in this file. */
const sumsByTarget = new Map<string, { sales: string; profit: string; nullPostalCodes: number }>();

interface TargetUnderTest {
  url: string;
  reader(): Promise<LoadedTable>;
  cleanup(): Promise<void>;
}

function describeTarget(kind: string, setUp: () => Promise<TargetUnderTest>, skip?: string): void {
  describe(`superstore load into ${kind}`, { skip }, () => {
    let target: TargetUnderTest;
    let loaded: LoadedTable;

    before(async () => {
      target = await setUp();
      const result = await loadSuperstore(target.url, { replace: false });
      assert.equal(result.rows, csv.rowCount);
      assert.equal(result.table, TABLE);
      loaded = await target.reader();
    });

    after(async () => {
      await loaded?.close();
      await target?.cleanup();
    });

    test('loads every CSV row', async () => {
      assert.equal(csv.rowCount, 9994);
      assert.equal(await loaded.count(), csv.rowCount);
    });

    test('sums decimals exactly', async () => {
      const sums = await loaded.decimalSums();
      assert.equal(sums.sales, csv.salesSum);
      assert.equal(sums.profit, csv.profitSum);
      sumsByTarget.set(kind, { ...sums, nullPostalCodes: await loaded.nullPostalCodes() });
    });

    test('keeps postal codes as CSV text', async () => {
      assert.equal(await loaded.nullPostalCodes(), csv.emptyPostalCodes);
      const { rowId, postalCode } = csv.fourDigitPostal;
      assert.match(postalCode, /^\d{4}$/);
      assert.equal(await loaded.value(rowId, 'POSTAL_CODE'), postalCode);
    });

    test('keeps text and dates unchanged', async () => {
      // Row 17 has doubled quotes in the CSV, row 12 a no-break space.
      assert.equal(await loaded.value('17', 'PRODUCT_NAME'), csv.productName('17'));
      assert.equal(await loaded.value('12', 'PRODUCT_NAME'), csv.productName('12'));
      assert.equal(await loaded.value('1', 'ORDER_DATE'), '2016-11-08');
      assert.equal(await loaded.value('1', 'SHIP_DATE'), '2016-11-11');
    });

    test('rejects existing table without replace', async () => {
      await assert.rejects(loadSuperstore(target.url, { replace: false }), (error: unknown) => {
        assert.ok(error instanceof AuroraError);
        assert.equal(error.code, 'SAMPLE_TARGET_EXISTS');
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /--replace/);
        assert.match(error.render('de'), /--replace/);
        return true;
      });
      assert.equal(await loaded.count(), csv.rowCount);
    });

    test('replaces existing table', async () => {
      const result = await loadSuperstore(target.url, { replace: true });
      assert.equal(result.rows, csv.rowCount);
      assert.equal(await loaded.count(), csv.rowCount);
      assert.deepEqual(await loaded.decimalSums(), { sales: csv.salesSum, profit: csv.profitSum });
    });

    test('failed replace keeps old table', async () => {
      const sampleTarget = await openSampleTarget(target.url);
      try {
        await assert.rejects(sampleTarget.loadTable(SUPERSTORE_TABLE, rowsThenError(3000), { replace: true }), {
          code: 'SAMPLE_LOAD_FAILED',
        });
        assert.equal(await sampleTarget.tableExists(TABLE), true);
      } finally {
        await sampleTarget.close();
      }
      assert.equal(await loaded.count(), csv.rowCount);
    });

    test('read failure mid-load leaves no table', async () => {
      const sampleTarget = await openSampleTarget(target.url);
      try {
        await assert.rejects(sampleTarget.loadTable(brokenTable, rowsThenError(2500), { replace: false }), (error: unknown) => {
          assert.ok(error instanceof AuroraError);
          assert.equal(error.code, 'SAMPLE_LOAD_FAILED');
          assert.match(error.message, /simulated read failure/);
          return true;
        });
        assert.equal(await sampleTarget.tableExists(brokenTable.name), false);
        assert.equal(await sampleTarget.tableExists(`${brokenTable.name}__aurora_loading`), false);
      } finally {
        await sampleTarget.close();
      }
    });

    test('invalid value mid-load leaves no table', async () => {
      const sampleTarget = await openSampleTarget(target.url);
      try {
        await assert.rejects(sampleTarget.loadTable(brokenTable, rowsThenValue(2500, 'SALES', '12.34567'), { replace: false }), {
          code: 'VALUE_TYPE_MISMATCH',
        });
        assert.equal(await sampleTarget.tableExists(brokenTable.name), false);
      } finally {
        await sampleTarget.close();
      }
    });

    test('database error mid-load leaves no table', async () => {
      const sampleTarget = await openSampleTarget(target.url);
      try {
        // A repeated ROW_ID passes the row check, so the database's primary key rejects it.
        await assert.rejects(sampleTarget.loadTable(brokenTable, rowsThenValue(2500, 'ROW_ID', '1'), { replace: false }), {
          code: 'SAMPLE_LOAD_FAILED',
        });
        assert.equal(await sampleTarget.tableExists(brokenTable.name), false);
        assert.equal(await sampleTarget.tableExists(`${brokenTable.name}__aurora_loading`), false);
      } finally {
        await sampleTarget.close();
      }
    });
  });
}

describeTarget('sqlite', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'aurora-sample-'));
  const path = join(folder, 'nested', 'legacy.db');
  return {
    url: `sqlite:${path}`,
    reader: async () => sqliteReader(path),
    cleanup: async () => rmSync(folder, { recursive: true, force: true }),
  };
});

const postgresSkip = await requireService('PostgreSQL', () => probePostgres());
describeTarget(
  'postgres',
  async () => {
    const database: ThrowawayDatabase = await createThrowawayPostgresDatabase();
    return { url: database.url, reader: () => postgresReader(database.url), cleanup: () => database.drop() };
  },
  postgresSkip,
);

const mysqlSkip = await requireService('MariaDB', () => probeMysql());
describeTarget(
  'mysql',
  async () => {
    const database: ThrowawayDatabase = await createThrowawayMysqlDatabase();
    return { url: database.url, reader: () => mysqlReader(database.url), cleanup: () => database.drop() };
  },
  mysqlSkip,
);

test('sums match across targets', { skip: postgresSkip ?? mysqlSkip }, () => {
  assert.deepEqual([...sumsByTarget.keys()].sort(), ['mysql', 'postgres', 'sqlite']);
  const expected = { sales: csv.salesSum, profit: csv.profitSum, nullPostalCodes: csv.emptyPostalCodes };
  for (const [kind, sums] of sumsByTarget) {
    assert.deepEqual(sums, expected, `sums in ${kind}`);
  }
});
