import { PassThrough } from 'node:stream';

import mysql from 'mysql2';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2';
import type { Pool as PromisePool } from 'mysql2/promise';

import { quoteMysqlIdentifier } from '../../engine/sql-text.js';
import { AuroraError, describeCause } from '../../errors/aurora-error.js';
import { createCsvEncoder } from '../csv-encoder.js';
import {
  boundaryOffsets,
  integerRangeBoundaries,
  checkRequestedColumns,
  partitionColumnOf,
  partitionCondition,
  rangesFromBoundaries,
  wholeTable,
} from '../source-support.js';
import type {
  ColumnDescription,
  LogicalType,
  PartitionData,
  PartitionRange,
  Source,
  SourceTableRequest,
  TableDescription,
} from '../types.js';

const MAX_DECIMAL_PRECISION = 38;

/** Rows the driver buffers per partition before it pauses the socket. */
const STREAM_HIGH_WATER_MARK = 1024;

export interface MysqlSourceConfig {
  url: string;
}

/** Opens a pool and runs a first query. Driver errors propagate unwrapped. */
export async function connectMysqlSource(config: MysqlSourceConfig, displayName: string): Promise<MysqlSource> {
  const pool = mysql.createPool({
    uri: config.url,
    // 64-bit integers and decimals arrive as exact text; dates as the server's text.
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
    connectTimeout: 10_000,
  });
  // TIMESTAMP columns are stored as instants and rendered in the session zone; UTC makes the
  // text an unambiguous instant. Pool connections run this before any query of ours.
  pool.on('connection', (connection) => {
    connection.query("SET time_zone = '+00:00'");
  });

  const promisePool = pool.promise();
  try {
    await promisePool.query('SELECT 1');
  } catch (error) {
    await promisePool.end().catch(() => undefined);
    throw error;
  }
  return new MysqlSource(pool, promisePool, displayName);
}

interface MysqlColumnRow extends RowDataPacket {
  name: string;
  dataType: string;
  columnType: string;
  precision: number | string | null;
  scale: number | string | null;
  nullable: string;
}

/** A MySQL or MariaDB database read over a mysql2 pool; rows stream through the CSV encoder. */
export class MysqlSource implements Source {
  readonly kind = 'mysql' as const;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly promisePool: PromisePool,
    private readonly displayName: string,
  ) {}

  async describeTable(request: SourceTableRequest): Promise<TableDescription> {
    const { database, table } = await this.splitName(request.sourceTable);
    const sourceName = `${database}.${table}`;

    const [found] = await this.promisePool.query<RowDataPacket[]>(
      'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [database, table],
    );
    if (found.length === 0) {
      throw new AuroraError('SOURCE_TABLE_NOT_FOUND', { table: sourceName, source: this.displayName });
    }

    const [rows] = await this.promisePool.query<MysqlColumnRow[]>(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType,
              NUMERIC_PRECISION AS \`precision\`, NUMERIC_SCALE AS scale, IS_NULLABLE AS nullable
         FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
        ORDER BY ORDINAL_POSITION`,
      [database, table],
    );
    const columns: ColumnDescription[] = rows.map((row) => ({
      name: row.name,
      sourceType: row.columnType,
      type: mapMysqlType(sourceName, row),
      nullable: row.nullable === 'YES',
    }));
    checkRequestedColumns(sourceName, columns, request);

    const [counted] = await this.promisePool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS count FROM ${qualify(database, table)}`,
    );
    const keyEnforced = await this.isKeyEnforced(database, table, request.primaryKey, columns);
    return {
      name: request.name,
      sourceName,
      columns,
      primaryKey: [...request.primaryKey],
      rowCount: Number(counted[0]?.count ?? 0),
      ...(keyEnforced ? { keyEnforced } : {}),
    };
  }

  /**
   * Tells whether a unique index (the primary key among them) covers exactly the key columns,
   * none of them by a prefix, and all key columns are NOT NULL.
   */
  private async isKeyEnforced(database: string, table: string, primaryKey: readonly string[], columns: readonly ColumnDescription[]): Promise<boolean> {
    if (primaryKey.some((name) => columns.find((column) => column.name === name)?.nullable !== false)) {
      return false;
    }
    const [indexes] = await this.promisePool.query<RowDataPacket[]>(
      `SELECT INDEX_NAME AS name, COUNT(*) AS parts, SUM(COLUMN_NAME IN (?)) AS matching, SUM(SUB_PART IS NOT NULL OR COLUMN_NAME IS NULL) AS partial
         FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0
        GROUP BY INDEX_NAME`,
      [primaryKey, database, table],
    );
    return indexes.some((index) => Number(index.parts) === primaryKey.length && Number(index.matching) === primaryKey.length && Number(index.partial) === 0);
  }

  async planPartitions(table: TableDescription, request: SourceTableRequest, count: number): Promise<PartitionRange[]> {
    const column = partitionColumnOf(table, request);
    if (column === undefined) {
      return wholeTable('');
    }
    if (count <= 1 || table.rowCount < 2) {
      return wholeTable(column);
    }

    const { database, table: name } = await this.splitName(request.sourceTable);
    const from = qualify(database, name);
    const quoted = quoteMysqlIdentifier(column);
    const isInteger = ['smallint', 'integer', 'bigint'].includes(table.columns.find((entry) => entry.name === column)?.type.kind ?? '');
    const [counted] = await this.promisePool.query<RowDataPacket[]>(
      `SELECT COUNT(${quoted}) AS count, ${isInteger ? `CAST(MIN(${quoted}) AS CHAR) AS low, CAST(MAX(${quoted}) AS CHAR) AS high` : 'NULL AS low, NULL AS high'} FROM ${from}`,
    );
    const nonNullRows = Number(counted[0]?.count ?? 0);
    const low = counted[0]?.low as string | null | undefined;
    const high = counted[0]?.high as string | null | undefined;
    const equalWidth = low && high ? integerRangeBoundaries(low, high, nonNullRows, count) : undefined;
    if (equalWidth) {
      return rangesFromBoundaries(column, equalWidth);
    }

    const boundaries: string[] = [];
    for (const offset of boundaryOffsets(nonNullRows, count)) {
      const [rows] = await this.promisePool.query<RowDataPacket[]>(
        `SELECT CAST(${quoted} AS CHAR) AS bound FROM ${from} WHERE ${quoted} IS NOT NULL ORDER BY ${quoted} LIMIT 1 OFFSET ${offset}`,
      );
      const bound = rows[0]?.bound as string | undefined;
      if (bound !== undefined && bound !== null) {
        boundaries.push(bound);
      }
    }
    return rangesFromBoundaries(column, boundaries);
  }

  async readPartition(table: TableDescription, request: SourceTableRequest, partition: PartitionRange): Promise<PartitionData> {
    const readFailed = (error: unknown) =>
      new AuroraError(
        'SOURCE_READ_FAILED',
        { table: table.sourceName, partition: partition.index, detail: describeCause(error) },
        { cause: error },
      );

    const { sql, values } = await this.buildSelect(table, request, partition);
    let connection: PoolConnection;
    try {
      connection = await new Promise<PoolConnection>((resolve, reject) => {
        this.pool.getConnection((error, result) => (error ? reject(error) : resolve(result)));
      });
    } catch (error) {
      throw readFailed(error);
    }

    const rows = connection.query({ sql, values, rowsAsArray: true }).stream({ highWaterMark: STREAM_HIGH_WATER_MARK });
    const encoder = createCsvEncoder(table.columns);
    const output = new PassThrough();
    let settled = false;
    const settle = (healthy: boolean) => {
      if (settled) {
        return;
      }
      settled = true;
      if (healthy) {
        connection.release();
      } else {
        // The server may still be sending rows of an abandoned query, so the connection goes.
        connection.destroy();
      }
    };
    const fail = (error: unknown) => {
      settle(false);
      rows.destroy();
      output.destroy(readFailed(error));
    };

    rows.on('error', fail);
    encoder.on('error', fail);
    rows.on('end', () => settle(true));
    output.on('close', () => {
      if (!rows.readableEnded) {
        settle(false);
        rows.destroy();
      }
    });
    rows.pipe(encoder).pipe(output);

    return { kind: 'csv', stream: output };
  }

  async columnStats(request: SourceTableRequest, column: string): Promise<{ max: string | null; nulls: number }> {
    const { database, table } = await this.splitName(request.sourceTable);
    const quoted = quoteMysqlIdentifier(column);
    const [rows] = await this.promisePool.query<RowDataPacket[]>(
      `SELECT CAST(MAX(${quoted}) AS CHAR) AS max_value, SUM(${quoted} IS NULL) AS nulls FROM ${qualify(database, table)}`,
    );
    const row = rows[0];
    return { max: (row?.max_value as string | null | undefined) ?? null, nulls: Number(row?.nulls ?? 0) };
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await this.promisePool.end();
  }

  /** Builds the partition's SELECT; bounds are bound parameters cast to the column's type. */
  async buildSelect(
    table: TableDescription,
    request: SourceTableRequest,
    partition: PartitionRange,
  ): Promise<{ sql: string; values: string[] }> {
    const { database, table: name } = await this.splitName(request.sourceTable);
    const selectList = table.columns.map((column) => quoteMysqlIdentifier(column.name)).join(', ');
    let sql = `SELECT ${selectList} FROM ${qualify(database, name)}`;
    const values: string[] = [];

    const partitionColumn = table.columns.find((column) => column.name === partition.column);
    if (partitionColumn !== undefined) {
      const condition = partitionCondition(quoteMysqlIdentifier(partitionColumn.name), partition, (bound) => {
        values.push(bound);
        return castTarget(partitionColumn);
      });
      if (condition !== undefined) {
        sql += ` WHERE ${condition}`;
      }
    }
    return { sql, values };
  }

  private async splitName(sourceTable: string): Promise<{ database: string; table: string }> {
    const dot = sourceTable.indexOf('.');
    if (dot >= 0) {
      return { database: sourceTable.slice(0, dot), table: sourceTable.slice(dot + 1) };
    }
    const [rows] = await this.promisePool.query<RowDataPacket[]>('SELECT DATABASE() AS name');
    const database = rows[0]?.name as string | null | undefined;
    if (!database) {
      throw new AuroraError('SOURCE_TABLE_NOT_FOUND', {
        table: `${sourceTable} (no database in the URL; write it as database.table)`,
        source: this.displayName,
      });
    }
    return { database, table: sourceTable };
  }
}

function qualify(database: string, table: string): string {
  return `${quoteMysqlIdentifier(database)}.${quoteMysqlIdentifier(table)}`;
}

/**
 * Returns a placeholder cast to the partition column's type. Without the cast MySQL compares a
 * numeric column with a string parameter as doubles, which blurs 64-bit and decimal bounds.
 */
function castTarget(column: ColumnDescription): string {
  const type = column.type;
  const unsigned = /\bunsigned\b/i.test(column.sourceType);
  switch (type.kind) {
    case 'boolean':
    case 'smallint':
    case 'integer':
    case 'bigint':
      return unsigned ? 'CAST(? AS UNSIGNED)' : 'CAST(? AS SIGNED)';
    case 'decimal':
      return `CAST(? AS DECIMAL(${type.precision},${type.scale}))`;
    case 'double':
      return 'CAST(? AS DOUBLE)';
    case 'date':
      return 'CAST(? AS DATE)';
    case 'time':
      return 'CAST(? AS TIME(6))';
    case 'timestamp':
    case 'timestamptz':
      return 'CAST(? AS DATETIME(6))';
    default:
      // Strings compare under the column's collation, which wins over the parameter's.
      return '?';
  }
}

/**
 * Maps a MySQL/MariaDB column type onto Aurora's logical type.
 *
 * TINYINT(1) is MySQL's BOOLEAN and maps to boolean; the encoder rejects values other than 0
 * and 1 in it rather than folding them. BIGINT UNSIGNED needs 20 digits and maps to
 * decimal(20,0). YEAR maps to smallint, ENUM and SET to text.
 *
 * @throws AuroraError SOURCE_TYPE_UNSUPPORTED for binary, BIT, spatial and other types, and
 *   for DECIMAL wider than 38 digits.
 */
export function mapMysqlType(table: string, row: Pick<MysqlColumnRow, 'name' | 'dataType' | 'columnType' | 'precision' | 'scale'>): LogicalType {
  const dataType = row.dataType.toLowerCase();
  const columnType = row.columnType.toLowerCase();
  const unsigned = columnType.includes('unsigned');
  const unsupported = () =>
    new AuroraError('SOURCE_TYPE_UNSUPPORTED', { table, column: row.name, sourceType: row.columnType });

  switch (dataType) {
    case 'tinyint':
      if (/^tinyint\(1\)/.test(columnType) && !unsigned) {
        return { kind: 'boolean' };
      }
      return { kind: 'smallint' };
    case 'bool':
    case 'boolean':
      return { kind: 'boolean' };
    case 'smallint':
      return unsigned ? { kind: 'integer' } : { kind: 'smallint' };
    case 'mediumint':
      return { kind: 'integer' };
    case 'int':
    case 'integer':
      return unsigned ? { kind: 'bigint' } : { kind: 'integer' };
    case 'bigint':
      return unsigned ? { kind: 'decimal', precision: 20, scale: 0 } : { kind: 'bigint' };
    case 'decimal':
    case 'numeric': {
      const precision = Number(row.precision);
      const scale = Number(row.scale ?? 0);
      if (!Number.isInteger(precision) || precision > MAX_DECIMAL_PRECISION) {
        throw unsupported();
      }
      return { kind: 'decimal', precision, scale };
    }
    case 'float':
    case 'double':
    case 'real':
      return { kind: 'double' };
    case 'year':
      return { kind: 'smallint' };
    case 'date':
      return { kind: 'date' };
    case 'time':
      // NOTE: MySQL TIME spans -838:59:59 to 838:59:59; values outside a day fail in the bronze writer.
      return { kind: 'time' };
    case 'datetime':
      return { kind: 'timestamp' };
    case 'timestamp':
      return { kind: 'timestamptz' };
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'enum':
    case 'set':
      // NOTE: MariaDB's JSON is LONGTEXT with a json_valid check, so it arrives here as text.
      return { kind: 'text' };
    case 'json':
      return { kind: 'json' };
    case 'uuid':
      return { kind: 'uuid' };
    default:
      throw unsupported();
  }
}
