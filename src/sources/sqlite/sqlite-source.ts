import { statSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';

import Database from 'better-sqlite3';

import { quoteIdentifier, quoteLiteral } from '../../engine/sql-text.js';
import { AuroraError, describeCause } from '../../errors/aurora-error.js';
import { createCsvEncoder } from '../csv-encoder.js';
import {
  boundaryOffsets,
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

/** Rows pulled from SQLite per `read()` call of the row stream. */
const ROWS_PER_READ = 512;

/** Precision and scale for NUMERIC or DECIMAL declared without them; the same choice as for PostgreSQL. */
const UNSIZED_DECIMAL: LogicalType = { kind: 'decimal', precision: 38, scale: 10 };

export interface SqliteSourceConfig {
  path: string;
}

/** Opens the file read-only; a missing or unreadable file throws the driver's error. */
export async function openSqliteSource(config: SqliteSourceConfig, displayName: string): Promise<SqliteSource> {
  if (!statSync(config.path, { throwIfNoEntry: false })?.isFile()) {
    throw new AuroraError('SOURCE_FILE_NOT_FOUND', { path: config.path, expected: 'file' });
  }
  const database = openReadOnly(config.path);
  database.prepare('SELECT count(*) FROM sqlite_schema').get();
  return new SqliteSource(config.path, database, displayName);
}

function openReadOnly(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

interface SqliteColumnRow {
  name: string;
  type: string;
  notnull: number;
  /** Position in the PRIMARY KEY, 0 for other columns. */
  pk: number;
}

/**
 * An SQLite file. Describing and planning share one handle; each partition opens its own,
 * because better-sqlite3 keeps a handle busy while an iterator over it is open.
 */
export class SqliteSource implements Source {
  readonly kind = 'sqlite' as const;
  private closed = false;
  private readonly openReaders = new Set<Database.Database>();

  constructor(
    private readonly path: string,
    private readonly database: Database.Database,
    private readonly displayName: string,
  ) {}

  async describeTable(request: SourceTableRequest): Promise<TableDescription> {
    const { schema, table } = splitName(request.sourceTable);
    const sourceName = schema === 'main' ? table : `${schema}.${table}`;

    let columnRows: SqliteColumnRow[];
    try {
      columnRows = this.database
        .prepare(`SELECT name, type, "notnull", pk FROM pragma_table_info(?, ?) ORDER BY cid`)
        .all(table, schema) as SqliteColumnRow[];
    } catch (error) {
      // pragma_table_info raises for a schema name that is not attached.
      throw new AuroraError('SOURCE_TABLE_NOT_FOUND', { table: sourceName, source: this.displayName }, { cause: error });
    }
    if (columnRows.length === 0) {
      throw new AuroraError('SOURCE_TABLE_NOT_FOUND', { table: sourceName, source: this.displayName });
    }

    const columns: ColumnDescription[] = columnRows.map((row) => ({
      name: row.name,
      sourceType: row.type,
      type: mapSqliteType(sourceName, row.name, row.type),
      nullable: row.notnull === 0,
    }));
    checkRequestedColumns(sourceName, columns, request);

    const rowCount = this.database
      .prepare(`SELECT count(*) FROM ${qualify(schema, table)}`)
      .pluck()
      .get() as number;
    const keyEnforced = this.isKeyEnforced(schema, table, request.primaryKey, columnRows);
    return { name: request.name, sourceName, columns, primaryKey: [...request.primaryKey], rowCount, ...(keyEnforced ? { keyEnforced } : {}) };
  }

  /**
   * Tells whether SQLite keeps the key columns unique and not NULL: an INTEGER PRIMARY KEY that
   * is the rowid, or a PRIMARY KEY or full unique index on exactly these columns, all declared
   * NOT NULL. SQLite lets NULLs into other PRIMARY KEY columns of rowid tables.
   */
  private isKeyEnforced(schema: string, table: string, primaryKey: readonly string[], columnRows: readonly SqliteColumnRow[]): boolean {
    const sameColumns = (names: readonly string[]): boolean => names.length === primaryKey.length && names.every((name) => primaryKey.includes(name));
    const declaredKey = columnRows.filter((row) => row.pk > 0).map((row) => row.name);
    const [single] = columnRows.filter((row) => row.pk > 0);
    // Only an INTEGER PRIMARY KEY that is the rowid has no index of its own. Declared DESC, or in
    // a WITHOUT ROWID table, it is an ordinary key with an index of origin 'pk'.
    const keyIndexes = this.database.prepare(`SELECT name FROM pragma_index_list(?, ?) WHERE origin = 'pk'`).pluck().all(table, schema);
    if (sameColumns(declaredKey) && declaredKey.length === 1 && single?.type.toUpperCase() === 'INTEGER' && keyIndexes.length === 0) {
      return true;
    }
    if (!primaryKey.every((name) => columnRows.find((row) => row.name === name)?.notnull === 1)) {
      return false;
    }
    if (sameColumns(declaredKey)) {
      return true;
    }
    const indexes = this.database.prepare(`SELECT name FROM pragma_index_list(?, ?) WHERE "unique" = 1 AND partial = 0`).pluck().all(table, schema) as string[];
    return indexes.some((index) => {
      const names = this.database.prepare('SELECT name FROM pragma_index_info(?, ?)').pluck().all(index, schema) as (string | null)[];
      return names.every((name) => name !== null) && sameColumns(names as string[]);
    });
  }

  async planPartitions(table: TableDescription, request: SourceTableRequest, count: number): Promise<PartitionRange[]> {
    const column = partitionColumnOf(table, request);
    if (column === undefined) {
      return wholeTable('');
    }
    if (count <= 1 || table.rowCount < 2) {
      return wholeTable(column);
    }

    const { schema, table: name } = splitName(request.sourceTable);
    const from = qualify(schema, name);
    const columnType = table.columns.find((entry) => entry.name === column)?.type;
    const quoted = columnType ? comparable(quoteIdentifier(column), columnType) : quoteIdentifier(column);
    const nonNullRows = this.database.prepare(`SELECT count(${quoted}) FROM ${from}`).pluck().get() as number;

    // safeIntegers keeps 64-bit bounds exact on their way to text.
    const boundary = this.database
      .prepare(`SELECT ${quoted} FROM ${from} WHERE ${quoted} IS NOT NULL ORDER BY ${quoted} LIMIT 1 OFFSET ?`)
      .pluck()
      .safeIntegers(true);
    const boundaries: string[] = [];
    for (const offset of boundaryOffsets(nonNullRows, count)) {
      const value = boundary.get(offset);
      if (value !== undefined && value !== null) {
        boundaries.push(encodeBound(value));
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

    let reader: Database.Database;
    let rows: IterableIterator<unknown[]>;
    try {
      reader = openReadOnly(this.path);
      this.openReaders.add(reader);
      const statement = reader.prepare(buildSelect(table, request, partition)).raw(true).safeIntegers(true);
      rows = statement.iterate() as IterableIterator<unknown[]>;
    } catch (error) {
      throw readFailed(error);
    }

    const closeReader = () => {
      if (this.openReaders.delete(reader)) {
        rows.return?.();
        reader.close();
      }
    };

    const rowStream = new Readable({
      objectMode: true,
      highWaterMark: ROWS_PER_READ,
      read() {
        try {
          for (let i = 0; i < ROWS_PER_READ; i++) {
            const next = rows.next();
            if (next.done) {
              closeReader();
              this.push(null);
              return;
            }
            if (!this.push(next.value)) {
              return;
            }
          }
        } catch (error) {
          this.destroy(readFailed(error));
        }
      },
      destroy(error, callback) {
        closeReader();
        callback(error);
      },
    });

    const encoder = createCsvEncoder(table.columns);
    const output = new PassThrough();
    const fail = (error: unknown) => {
      rowStream.destroy();
      output.destroy(error instanceof AuroraError ? error : readFailed(error));
    };
    rowStream.on('error', fail);
    encoder.on('error', fail);
    output.on('close', () => rowStream.destroy());
    rowStream.pipe(encoder).pipe(output);
    return { kind: 'csv', stream: output };
  }

  async columnStats(request: SourceTableRequest, column: string): Promise<{ max: string | null; nulls: number }> {
    const { schema, table } = splitName(request.sourceTable);
    const quoted = quoteIdentifier(column);
    const row = this.database
      .prepare(`SELECT CAST(max(${quoted}) AS TEXT) AS max_value, sum(${quoted} IS NULL) AS nulls FROM ${qualify(schema, table)}`)
      .safeIntegers(true)
      .get() as { max_value: string | null; nulls: bigint | null };
    return { max: row.max_value, nulls: Number(row.nulls ?? 0n) };
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    for (const reader of this.openReaders) {
      reader.close();
    }
    this.openReaders.clear();
    this.database.close();
  }
}

function splitName(sourceTable: string): { schema: string; table: string } {
  const dot = sourceTable.indexOf('.');
  if (dot < 0) {
    return { schema: 'main', table: sourceTable };
  }
  return { schema: sourceTable.slice(0, dot), table: sourceTable.slice(dot + 1) };
}

function qualify(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

/**
 * Builds the partition's SELECT. Decimal columns are read as text so that INTEGER- and
 * TEXT-stored values keep every digit. SQLite stores a well-formed number with a fraction in a
 * NUMERIC-affinity column as a REAL, so those values keep only about 15 significant digits
 * before Aurora reads them. Such a value is written in fixed notation with the column's scale
 * only when that text reads back as the same REAL; otherwise it is passed on in SQLite's own
 * notation, which the bronze writer rejects for the decimal column instead of rounding it.
 * NOTE: a NUMERIC-affinity column keeps a decimal exactly only when it is an integer within
 * 64 bits. Any other well-formed number is already rounded to a REAL in the file.
 */
export function buildSelect(table: TableDescription, request: SourceTableRequest, partition: PartitionRange): string {
  const { schema, table: name } = splitName(request.sourceTable);
  const selectList = table.columns.map((column) => {
    const quoted = quoteIdentifier(column.name);
    if (column.type.kind !== 'decimal') {
      return quoted;
    }
    const fixed = `printf(${quoteLiteral(`%.${column.type.scale}f`)}, ${quoted})`;
    return `CASE WHEN typeof(${quoted}) = 'real' AND CAST(${fixed} AS REAL) = ${quoted} THEN ${fixed} ELSE CAST(${quoted} AS TEXT) END`;
  });

  let sql = `SELECT ${selectList.join(', ')} FROM ${qualify(schema, name)}`;
  const partitionColumn = table.columns.find((column) => column.name === partition.column);
  if (partitionColumn !== undefined) {
    const condition = partitionCondition(comparable(quoteIdentifier(partitionColumn.name), partitionColumn.type), partition, (bound) =>
      comparable(renderBound(bound), partitionColumn.type),
    );
    if (condition !== undefined) {
      sql += ` WHERE ${condition}`;
    }
  }
  return sql;
}

/**
 * Returns an expression that orders and compares a column by value. SQLite keeps dates and
 * timestamps as text and compares them as text, so `2024-01-01T10:00` would sort after
 * `2024-01-01 12:00`; its date functions normalise every accepted spelling (and offsets, to
 * UTC) first. Other types compare as stored.
 */
function comparable(expression: string, type: LogicalType): string {
  switch (type.kind) {
    case 'date':
      return `date(${expression})`;
    case 'timestamp':
    case 'timestamptz':
      return `strftime('%Y-%m-%d %H:%M:%f', ${expression})`;
    default:
      return expression;
  }
}

function encodeBound(value: unknown): string {
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string') {
    return String(value);
  }
  throw new TypeError(`partition column values of JS type ${typeof value} cannot be used as bounds`);
}

/**
 * Renders a bound as a plain literal. SQLite applies the column's affinity to it in the
 * comparison, so `'9223372036854775807'` compares as that integer in an INTEGER column.
 */
function renderBound(bound: string): string {
  return quoteLiteral(bound);
}

/**
 * Maps a declared column type onto Aurora's logical type by its name. SQLite itself has only
 * five storage classes, so the declared name is the sole statement of intent.
 *
 * @throws AuroraError SOURCE_TYPE_UNSUPPORTED for BLOB, undeclared types, unknown names and
 *   decimals wider than 38 digits.
 */
export function mapSqliteType(table: string, column: string, declaredType: string): LogicalType {
  const unsupported = () =>
    new AuroraError('SOURCE_TYPE_UNSUPPORTED', { table, column, sourceType: declaredType === '' ? '(none)' : declaredType });
  const declared = declaredType.trim().toUpperCase();

  // DECIMAL_TEXT(p,s) has TEXT affinity, so SQLite keeps the written digits; `aurora sample` uses it.
  const decimal = /^(?:DECIMAL|NUMERIC|DECIMAL_TEXT)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(declared);
  if (decimal) {
    if (decimal[1] === undefined) {
      return UNSIZED_DECIMAL;
    }
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2] ?? 0);
    if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale > precision) {
      throw unsupported();
    }
    return { kind: 'decimal', precision, scale };
  }

  const baseName = declared.replace(/\s*\(.*\)$/, '');
  switch (baseName) {
    case 'BOOLEAN':
    case 'BOOL':
      return { kind: 'boolean' };
    case 'INTEGER':
    case 'INT':
    case 'BIGINT':
    case 'SMALLINT':
    case 'TINYINT':
    case 'MEDIUMINT':
    case 'INT2':
    case 'INT4':
    case 'INT8':
    case 'UNSIGNED BIG INT':
      // SQLite stores every integer in up to 64 bits whatever the declared width.
      return { kind: 'bigint' };
    case 'REAL':
    case 'DOUBLE':
    case 'DOUBLE PRECISION':
    case 'FLOAT':
      return { kind: 'double' };
    case 'TEXT':
    case 'VARCHAR':
    case 'CHAR':
    case 'CHARACTER':
    case 'NCHAR':
    case 'NVARCHAR':
    case 'VARYING CHARACTER':
    case 'NATIVE CHARACTER':
    case 'CLOB':
      return { kind: 'text' };
    case 'DATE':
      return { kind: 'date' };
    case 'TIME':
      return { kind: 'time' };
    case 'DATETIME':
    case 'TIMESTAMP':
      return { kind: 'timestamp' };
    case 'JSON':
      return { kind: 'json' };
    case 'UUID':
      return { kind: 'uuid' };
    default:
      throw unsupported();
  }
}
