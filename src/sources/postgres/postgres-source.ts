import { PassThrough } from 'node:stream';

import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

import { quoteIdentifier, quoteLiteral } from '../../engine/sql-text.js';
import { AuroraError, describeCause } from '../../errors/aurora-error.js';
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

/**
 * Session settings that make COPY's text match Aurora's canonical CSV: instants in UTC with
 * `+00`, ISO dates, and doubles in their shortest exact text. PostgreSQL 12 and later write
 * that shortest text for any extra_float_digits above 0.
 */
const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601 -c extra_float_digits=1';

/**
 * Precision and scale for `numeric` declared without them. DuckDB's widest decimal has 38 digits.
 * NOTE: the bronze writer rounds values with more than 10 fractional digits and rejects values
 * with more than 28 integer digits. Declare the precision in the source or a view to avoid that.
 */
export const UNCONSTRAINED_NUMERIC: LogicalType = { kind: 'decimal', precision: 38, scale: 10 };

const MAX_DECIMAL_PRECISION = 38;

export interface PostgresSourceConfig {
  url: string;
  schema?: string;
}

/** Opens a pool and runs a first query. Driver errors propagate unwrapped. */
export async function connectPostgresSource(config: PostgresSourceConfig, displayName: string): Promise<PostgresSource> {
  const pool = new pg.Pool({
    connectionString: config.url,
    options: SESSION_OPTIONS,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client that loses its connection emits on the pool; without a listener that
  // would crash the process. The next query reports the failure instead.
  pool.on('error', () => undefined);

  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new PostgresSource(pool, config.schema ?? 'public', displayName);
}

export interface PostgresColumnRow {
  name: string;
  source_type: string;
  base_type: string;
  type_category: string;
  typmod: number;
  nullable: boolean;
}

/** A PostgreSQL schema read over a node-postgres pool; partitions stream through COPY. */
export class PostgresSource implements Source {
  readonly kind = 'postgres' as const;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly defaultSchema: string,
    private readonly displayName: string,
  ) {}

  async describeTable(request: SourceTableRequest): Promise<TableDescription> {
    const { schema, table } = this.splitName(request.sourceTable);
    const sourceName = `${schema}.${table}`;
    const qualified = `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;

    const found = await this.pool.query<{ oid: string | null }>('SELECT to_regclass($1)::oid::text AS oid', [qualified]);
    const oid = found.rows[0]?.oid;
    if (!oid) {
      throw new AuroraError('SOURCE_TABLE_NOT_FOUND', { table: sourceName, source: this.displayName });
    }

    const result = await this.pool.query<PostgresColumnRow>(
      `SELECT a.attname AS name,
              format_type(a.atttypid, a.atttypmod) AS source_type,
              coalesce(base.typname, t.typname) AS base_type,
              coalesce(base.typcategory, t.typcategory) AS type_category,
              CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
              NOT (a.attnotnull OR coalesce(t.typnotnull, false)) AS nullable
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_catalog.pg_type base ON t.typtype = 'd' AND base.oid = t.typbasetype
        WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [oid],
    );

    const columns: ColumnDescription[] = result.rows.map((row) => ({
      name: row.name,
      sourceType: row.source_type,
      type: mapPostgresType(sourceName, row),
      nullable: row.nullable,
    }));
    checkRequestedColumns(sourceName, columns, request);

    const keyEnforced = await this.isKeyEnforced(oid, request.primaryKey, columns);
    const estimate = request.estimateRowCount ? await this.estimateRows(oid) : undefined;
    const rowCount = estimate ?? Number((await this.pool.query<{ count: string }>(`SELECT count(*)::text AS count FROM ${qualified}`)).rows[0]?.count ?? 0);
    return {
      name: request.name,
      sourceName,
      columns,
      primaryKey: [...request.primaryKey],
      rowCount,
      ...(estimate !== undefined ? { rowCountIsEstimate: true } : {}),
      ...(keyEnforced ? { keyEnforced } : {}),
    };
  }

  /**
   * Tells whether a valid unique index without expressions or predicate (a primary key or
   * unique constraint among them) covers exactly the key columns, and all of them are NOT NULL.
   * A table with inheritance children does not count: reading it includes the children's rows,
   * which its index does not cover. A partitioned table's unique index covers all partitions.
   */
  private async isKeyEnforced(oid: string, primaryKey: readonly string[], columns: readonly ColumnDescription[]): Promise<boolean> {
    if (primaryKey.some((name) => columns.find((column) => column.name === name)?.nullable !== false)) {
      return false;
    }
    const result = await this.pool.query<{ enforced: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
          WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
            AND (c.relkind = 'p' OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhparent = c.oid))
            AND i.indnkeyatts = cardinality($2::text[])
            AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text)
                   FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                  WHERE k.position <= i.indnkeyatts) = (SELECT array_agg(name ORDER BY name) FROM unnest($2::text[]) AS name)
       ) AS enforced`,
      [oid, primaryKey],
    );
    return result.rows[0]?.enforced === true;
  }

  /** Returns the planner's row estimate, or undefined when the table has no statistics yet. */
  private async estimateRows(oid: string): Promise<number | undefined> {
    const result = await this.pool.query<{ estimate: string }>('SELECT reltuples::bigint::text AS estimate FROM pg_catalog.pg_class WHERE oid = $1::oid', [oid]);
    // PostgreSQL 14 and later store -1 until the first ANALYZE or VACUUM.
    const estimate = Number(result.rows[0]?.estimate ?? -1);
    return estimate >= 0 ? estimate : undefined;
  }

  async planPartitions(table: TableDescription, request: SourceTableRequest, count: number): Promise<PartitionRange[]> {
    const column = partitionColumnOf(table, request);
    if (column === undefined) {
      return wholeTable('');
    }
    if (count <= 1 || table.rowCount < 2) {
      return wholeTable(column);
    }

    const from = this.qualifiedName(request.sourceTable);
    const quoted = quoteIdentifier(column);
    const isInteger = ['smallint', 'integer', 'bigint'].includes(table.columns.find((entry) => entry.name === column)?.type.kind ?? '');
    const counted = await this.pool.query<{ count: string; low: string | null; high: string | null }>(
      `SELECT count(${quoted})::text AS count, ${isInteger ? `min(${quoted})::text AS low, max(${quoted})::text AS high` : 'NULL AS low, NULL AS high'} FROM ${from}`,
    );
    const nonNullRows = Number(counted.rows[0]?.count ?? 0);
    const { low, high } = counted.rows[0] ?? {};
    const equalWidth = low && high ? integerRangeBoundaries(low, high, nonNullRows, count) : undefined;
    if (equalWidth) {
      return rangesFromBoundaries(column, equalWidth);
    }

    const boundaries: string[] = [];
    for (const offset of boundaryOffsets(nonNullRows, count)) {
      const result = await this.pool.query<{ bound: string }>(
        `SELECT ${quoted}::text AS bound FROM ${from} WHERE ${quoted} IS NOT NULL ORDER BY ${quoted} OFFSET $1 LIMIT 1`,
        [offset],
      );
      const bound = result.rows[0]?.bound;
      if (bound !== undefined) {
        boundaries.push(bound);
      }
    }
    return rangesFromBoundaries(column, boundaries);
  }

  async readPartition(table: TableDescription, request: SourceTableRequest, partition: PartitionRange): Promise<PartitionData> {
    const sql = this.buildCopySql(table, request, partition);
    const readFailed = (error: unknown) =>
      new AuroraError(
        'SOURCE_READ_FAILED',
        { table: table.sourceName, partition: partition.index, detail: describeCause(error) },
        { cause: error },
      );

    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw readFailed(error);
    }

    const output = new PassThrough();
    const copy = client.query(copyTo(sql));
    let released = false;
    const release = (broken: boolean) => {
      if (!released) {
        released = true;
        // A connection left in the middle of a COPY cannot be reused, so it is discarded.
        client.release(broken);
      }
    };

    copy.on('error', (error) => {
      release(true);
      output.destroy(readFailed(error));
    });
    copy.on('end', () => release(false));
    output.on('close', () => {
      if (!copy.readableEnded) {
        copy.destroy();
        release(true);
      }
    });
    copy.pipe(output);

    return { kind: 'csv', stream: output };
  }

  async columnStats(request: SourceTableRequest, column: string): Promise<{ max: string | null; nulls: number }> {
    const quoted = quoteIdentifier(column);
    const table = this.qualifiedName(request.sourceTable);
    // Two subqueries instead of one aggregate, so that PostgreSQL can use an index on the column
    // for both without reading the table, and a delta's planning does not grow with the table.
    const result = await this.pool.query<{ max: string | null; nulls: string }>(
      `SELECT (SELECT max(${quoted}) FROM ${table})::text AS max, (SELECT count(*) FROM ${table} WHERE ${quoted} IS NULL)::text AS nulls`,
    );
    return { max: result.rows[0]?.max ?? null, nulls: Number(result.rows[0]?.nulls ?? 0) };
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await this.pool.end();
  }

  /** Builds the COPY statement; bounds are inlined as typed literals because COPY takes no parameters. */
  buildCopySql(table: TableDescription, request: SourceTableRequest, partition: PartitionRange): string {
    const selectList = table.columns.map((column) => {
      const quoted = quoteIdentifier(column.name);
      // COPY writes booleans as t/f; their text cast gives the canonical true/false.
      return column.type.kind === 'boolean' ? `${quoted}::text AS ${quoted}` : quoted;
    });

    let query = `SELECT ${selectList.join(', ')} FROM ${this.qualifiedName(request.sourceTable)}`;
    const partitionColumn = table.columns.find((column) => column.name === partition.column);
    if (partitionColumn !== undefined) {
      const condition = partitionCondition(
        quoteIdentifier(partitionColumn.name),
        partition,
        (bound) => `CAST(${quoteLiteral(bound)} AS ${partitionColumn.sourceType})`,
      );
      if (condition !== undefined) {
        query += ` WHERE ${condition}`;
      }
    }
    // FORCE_QUOTE * quotes every non-NULL value, so NULL stays the only unquoted empty field.
    return `COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER false, FORCE_QUOTE *, ENCODING 'UTF8')`;
  }

  private splitName(sourceTable: string): { schema: string; table: string } {
    const dot = sourceTable.indexOf('.');
    if (dot < 0) {
      return { schema: this.defaultSchema, table: sourceTable };
    }
    return { schema: sourceTable.slice(0, dot), table: sourceTable.slice(dot + 1) };
  }

  private qualifiedName(sourceTable: string): string {
    const { schema, table } = this.splitName(sourceTable);
    return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
  }
}

/**
 * Maps a PostgreSQL column type onto Aurora's logical type. Domains map by their base type and
 * enums become text.
 *
 * @throws AuroraError SOURCE_TYPE_UNSUPPORTED for types Aurora cannot carry without loss
 *   (bytea, arrays, intervals, timetz, money, geometric and range types, numeric wider than 38 digits).
 */
export function mapPostgresType(table: string, row: PostgresColumnRow): LogicalType {
  const unsupported = () =>
    new AuroraError('SOURCE_TYPE_UNSUPPORTED', { table, column: row.name, sourceType: row.source_type });

  if (row.type_category === 'E') {
    return { kind: 'text' };
  }

  switch (row.base_type) {
    case 'bool':
      return { kind: 'boolean' };
    case 'int2':
      return { kind: 'smallint' };
    case 'int4':
      return { kind: 'integer' };
    case 'int8':
      return { kind: 'bigint' };
    case 'float4':
    case 'float8':
      return { kind: 'double' };
    case 'numeric':
      return mapNumeric(row.typmod, unsupported);
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'name':
      return { kind: 'text' };
    case 'date':
      return { kind: 'date' };
    case 'time':
      return { kind: 'time' };
    case 'timestamp':
      return { kind: 'timestamp' };
    case 'timestamptz':
      return { kind: 'timestamptz' };
    case 'json':
    case 'jsonb':
      return { kind: 'json' };
    case 'uuid':
      return { kind: 'uuid' };
    default:
      throw unsupported();
  }
}

/** Decodes numeric's type modifier: `((precision << 16) | scale) + 4`, scale as 11-bit signed since PostgreSQL 15. */
function mapNumeric(typmod: number, unsupported: () => AuroraError): LogicalType {
  if (typmod < 4) {
    return UNCONSTRAINED_NUMERIC;
  }
  const packed = typmod - 4;
  const precision = (packed >> 16) & 0xffff;
  const scale = ((packed & 0x7ff) ^ 1024) - 1024;
  if (precision > MAX_DECIMAL_PRECISION || scale < 0 || scale > precision) {
    throw unsupported();
  }
  return { kind: 'decimal', precision, scale };
}
