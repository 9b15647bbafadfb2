import { access, stat } from 'node:fs/promises';
import { extname, isAbsolute, join } from 'node:path';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import { duckdbTypeOf } from '../../engine/duckdb-types.js';
import { quoteIdentifier, quoteLiteral } from '../../engine/sql-text.js';
import { AuroraError, describeCause } from '../../errors/aurora-error.js';
import { checkRequestedColumns, wholeTable } from '../source-support.js';
import type {
  ColumnDescription,
  LogicalType,
  PartitionData,
  PartitionRange,
  Source,
  SourceTableRequest,
  TableDescription,
} from '../types.js';

type FileFormat = 'csv' | 'parquet' | 'json';

const MAX_DECIMAL_PRECISION = 38;

export interface FilesSourceConfig {
  folder: string;
}

/** Checks that the folder exists and starts an in-memory DuckDB for describing files. */
export async function openFilesSource(config: FilesSourceConfig, displayName: string): Promise<FilesSource> {
  const info = await stat(config.folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new AuroraError('SOURCE_FILE_NOT_FOUND', { path: config.folder, expected: 'folder' });
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return new FilesSource(config.folder, instance, connection, displayName);
}

/**
 * CSV, Parquet and JSON files that DuckDB reads itself. Each file is one table and one
 * partition: DuckDB parallelises the scan of a single file on its own.
 */
export class FilesSource implements Source {
  readonly kind = 'files' as const;
  private closed = false;

  constructor(
    private readonly folder: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly displayName: string,
  ) {}

  async describeTable(request: SourceTableRequest): Promise<TableDescription> {
    const path = this.resolvePath(request);
    try {
      await access(path);
    } catch {
      throw new AuroraError('SOURCE_TABLE_NOT_FOUND', { table: path, source: this.displayName });
    }

    const reader = readerCall(path, formatOf(request, path));
    let described: Array<Record<string, unknown>>;
    let rowCount: number;
    try {
      described = (await this.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${reader}`)).getRowObjects();
      const counted = await this.connection.runAndReadAll(`SELECT count(*)::VARCHAR AS count FROM ${reader}`);
      rowCount = Number(counted.getRowObjects()[0]?.count ?? 0);
    } catch (error) {
      throw new AuroraError('SOURCE_READ_FAILED', { table: path, partition: 0, detail: describeCause(error) }, { cause: error });
    }

    const columns: ColumnDescription[] = described.map((row) => {
      const name = String(row.column_name);
      const sourceType = String(row.column_type);
      return { name, sourceType, type: mapDuckdbType(path, name, sourceType), nullable: row.null !== 'NO' };
    });
    if (formatOf(request, path) === 'csv') {
      await this.replaceCsvDoubles(path, columns);
    }
    checkRequestedColumns(path, columns, request);

    return { name: request.name, sourceName: path, columns, primaryKey: [...request.primaryKey], rowCount };
  }

  async planPartitions(table: TableDescription, request: SourceTableRequest, _count: number): Promise<PartitionRange[]> {
    return wholeTable(request.partitionColumn ?? table.primaryKey[0] ?? '');
  }

  async readPartition(table: TableDescription, request: SourceTableRequest, _partition: PartitionRange): Promise<PartitionData> {
    const path = this.resolvePath(request);
    const format = formatOf(request, path);
    if (format === 'csv') {
      // CSV is read as text and cast to the described types, so every digit of the file reaches
      // the cast and a quoted empty field stays an empty string.
      const selectList = table.columns.map((column) => `CAST(${quoteIdentifier(column.name)} AS ${duckdbTypeOf(column.type)}) AS ${quoteIdentifier(column.name)}`);
      return { kind: 'duckdb-sql', sql: `SELECT ${selectList.join(', ')} FROM ${csvTextReader(path)}` };
    }
    const selectList = table.columns.map((column) => quoteIdentifier(column.name)).join(', ');
    return { kind: 'duckdb-sql', sql: `SELECT ${selectList} FROM ${readerCall(path, format)}` };
  }

  /**
   * CSV type detection calls `12.50` a DOUBLE, which would keep only about 15 significant
   * digits. Such columns become the smallest DECIMAL that holds every value of the file
   * exactly, or text when no DECIMAL(38) does (exponents, more than 38 digits).
   */
  private async replaceCsvDoubles(path: string, columns: ColumnDescription[]): Promise<void> {
    for (const column of columns) {
      if (column.type.kind !== 'double') {
        continue;
      }
      const name = quoteIdentifier(column.name);
      const reader = await this.connection.runAndReadAll(
        `SELECT CAST(bool_and(${name} IS NULL OR regexp_full_match(${name}, '[+-]?[0-9]*(\\.[0-9]*)?')) AS VARCHAR) AS plain,
                CAST(coalesce(max(length(ltrim(regexp_extract(${name}, '^[+-]?([0-9]*)', 1), '0'))), 0) AS VARCHAR) AS integer_digits,
                CAST(coalesce(max(length(regexp_extract(${name}, '\\.([0-9]*)$', 1))), 0) AS VARCHAR) AS fraction_digits
         FROM ${csvTextReader(path)}`,
      );
      const shape = reader.getRowObjects()[0] ?? {};
      const integerDigits = Number(shape.integer_digits ?? 0);
      const scale = Number(shape.fraction_digits ?? 0);
      const precision = Math.max(1, integerDigits + scale);

      column.type =
        shape.plain === 'true' && precision <= MAX_DECIMAL_PRECISION ? { kind: 'decimal', precision, scale } : { kind: 'text' };
      column.sourceType = `${column.sourceType} (as ${column.type.kind === 'decimal' ? `DECIMAL(${precision},${scale})` : 'VARCHAR'})`;
    }
  }

  async columnStats(request: SourceTableRequest, column: string): Promise<{ max: string | null; nulls: number }> {
    const path = this.resolvePath(request);
    const quoted = quoteIdentifier(column);
    const reader = await this.connection.runAndReadAll(
      `SELECT CAST(max(${quoted}) AS VARCHAR) AS max_value, CAST(count(*) FILTER (WHERE ${quoted} IS NULL) AS VARCHAR) AS nulls FROM ${readerCall(path, formatOf(request, path))}`,
    );
    const row = reader.getRowObjectsJson()[0] ?? {};
    return { max: (row.max_value as string | null | undefined) ?? null, nulls: Number(row.nulls ?? 0) };
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** Returns the file of a table: the configured path, else `sourceTable` inside the folder. */
  private resolvePath(request: SourceTableRequest): string {
    const path = request.path ?? request.sourceTable;
    return isAbsolute(path) ? path : join(this.folder, path);
  }
}

/** The CSV with every column as text, with the same dialect detection as `readerCall`. */
function csvTextReader(path: string): string {
  return `read_csv(${quoteLiteral(path)}, all_varchar = true, allow_quoted_nulls = false)`;
}

function formatOf(request: SourceTableRequest, path: string): FileFormat {
  if (request.format !== undefined) {
    return request.format;
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.parquet') {
    return 'parquet';
  }
  if (extension === '.json' || extension === '.jsonl' || extension === '.ndjson') {
    return 'json';
  }
  return 'csv';
}

/**
 * Returns the DuckDB table function call for a file. Describe and read use the same call, so
 * CSV type detection runs with the same options both times.
 */
function readerCall(path: string, format: FileFormat): string {
  switch (format) {
    case 'csv':
      return `read_csv(${quoteLiteral(path)}, allow_quoted_nulls = false)`;
    case 'parquet':
      return `read_parquet(${quoteLiteral(path)})`;
    case 'json':
      return `read_json(${quoteLiteral(path)})`;
  }
}

/**
 * Maps a DuckDB type name from DESCRIBE onto Aurora's logical type.
 *
 * @throws AuroraError SOURCE_TYPE_UNSUPPORTED for nested, binary, interval and 128-bit integer types.
 */
export function mapDuckdbType(table: string, column: string, duckdbType: string): LogicalType {
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckdbType);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (precision <= MAX_DECIMAL_PRECISION) {
      return { kind: 'decimal', precision, scale };
    }
  }

  switch (duckdbType) {
    case 'BOOLEAN':
      return { kind: 'boolean' };
    case 'TINYINT':
    case 'SMALLINT':
    case 'UTINYINT':
      return { kind: 'smallint' };
    case 'INTEGER':
    case 'USMALLINT':
      return { kind: 'integer' };
    case 'BIGINT':
    case 'UINTEGER':
      return { kind: 'bigint' };
    case 'UBIGINT':
      return { kind: 'decimal', precision: 20, scale: 0 };
    case 'FLOAT':
    case 'DOUBLE':
      return { kind: 'double' };
    case 'VARCHAR':
      return { kind: 'text' };
    case 'DATE':
      return { kind: 'date' };
    case 'TIME':
      return { kind: 'time' };
    case 'TIMESTAMP':
    case 'TIMESTAMP_S':
    case 'TIMESTAMP_MS':
      return { kind: 'timestamp' };
    case 'TIMESTAMP WITH TIME ZONE':
      return { kind: 'timestamptz' };
    case 'JSON':
      return { kind: 'json' };
    case 'UUID':
      return { kind: 'uuid' };
    default:
      throw new AuroraError('SOURCE_TYPE_UNSUPPORTED', { table, column, sourceType: duckdbType });
  }
}
