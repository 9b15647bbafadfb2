import { access, stat } from 'node:fs/promises';
import { extname, isAbsolute, join } from 'node:path';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

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
    checkRequestedColumns(path, columns, request);

    return { name: request.name, sourceName: path, columns, primaryKey: [...request.primaryKey], rowCount };
  }

  async planPartitions(table: TableDescription, request: SourceTableRequest, _count: number): Promise<PartitionRange[]> {
    return wholeTable(request.partitionColumn ?? table.primaryKey[0] ?? '');
  }

  async readPartition(table: TableDescription, request: SourceTableRequest, _partition: PartitionRange): Promise<PartitionData> {
    const path = this.resolvePath(request);
    const selectList = table.columns.map((column) => quoteIdentifier(column.name)).join(', ');
    return { kind: 'duckdb-sql', sql: `SELECT ${selectList} FROM ${readerCall(path, formatOf(request, path))}` };
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
 * NOTE: CSV detection types a column such as `12.50` as DOUBLE, so CSV decimals with more than
 * 15 significant digits lose digits. Parquet keeps its declared DECIMAL.
 */
function readerCall(path: string, format: FileFormat): string {
  switch (format) {
    case 'csv':
      return `read_csv(${quoteLiteral(path)})`;
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
