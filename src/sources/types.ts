import type { Readable } from 'node:stream';

/**
 * Aurora's portable column type. Every source maps its native types onto these, and the
 * bronze writer maps these onto DuckDB/Parquet types, so a type decision is made in one place.
 */
export type LogicalType =
  | { kind: 'boolean' }
  | { kind: 'smallint' }
  | { kind: 'integer' }
  | { kind: 'bigint' }
  | { kind: 'double' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'text' }
  | { kind: 'date' }
  | { kind: 'time' }
  /** A wall-clock timestamp without a zone (MySQL DATETIME, PostgreSQL timestamp). */
  | { kind: 'timestamp' }
  /** An instant (PostgreSQL timestamptz, MySQL TIMESTAMP). */
  | { kind: 'timestamptz' }
  | { kind: 'json' }
  | { kind: 'uuid' };

/** One column as the source declares it and as Aurora will store it. */
export interface ColumnDescription {
  name: string;
  /** The type name as the source database spells it, for messages and run records. */
  sourceType: string;
  type: LogicalType;
  nullable: boolean;
}

/** What a source knows about one table before any row is read. */
export interface TableDescription {
  /** The table name used in aurora.yaml, rules and the lake. */
  name: string;
  /** The qualified name in the source, for messages. */
  sourceName: string;
  columns: ColumnDescription[];
  primaryKey: string[];
  rowCount: number;
  /** rowCount is the database's statistics estimate, given when the request allowed one. */
  rowCountIsEstimate?: boolean;
  /** The database guarantees the primary key unique and not NULL (a key constraint or unique index). */
  keyEnforced?: boolean;
}

/**
 * A half-open range of partition-column values, `[lower, upper)`. A missing bound is open.
 * The first partition also takes the rows whose partition column is NULL, so every row is
 * read exactly once.
 */
export interface PartitionRange {
  index: number;
  column: string;
  /** Bounds travel as text, so that 64-bit keys and decimals keep every digit. */
  lower?: string;
  upper?: string;
  includesNulls: boolean;
}

/**
 * A partition's rows in Aurora's canonical CSV dialect: UTF-8, comma, double quote, no
 * header, columns in `TableDescription.columns` order, NULL as an unquoted empty field and the
 * empty string as `""`. Decimals and 64-bit integers are written as their exact decimal text,
 * timestamps with zone as ISO 8601 with offset, dates as `YYYY-MM-DD`.
 */
export interface CsvPartitionData {
  kind: 'csv';
  stream: Readable;
}

/**
 * A partition that DuckDB can read by itself (files: CSV, Parquet, JSON). The SQL is a
 * SELECT whose columns are already in `TableDescription.columns` order.
 */
export interface DuckdbPartitionData {
  kind: 'duckdb-sql';
  sql: string;
}

export type PartitionData = CsvPartitionData | DuckdbPartitionData;

/** How the pipeline asks for a table: the fields of aurora.yaml that a source needs. */
export interface SourceTableRequest {
  name: string;
  /** Source-side table name, defaults to `name`. May be schema-qualified (`erp.ORDERS`). */
  sourceTable: string;
  primaryKey: string[];
  partitionColumn?: string;
  /** For file sources: the file path, already resolved against the config's folder. */
  path?: string;
  format?: 'csv' | 'parquet' | 'json';
  /**
   * The run does not need an exact row count (a watermark delta), so a source may give its
   * statistics' estimate instead of counting the whole table.
   */
  estimateRowCount?: boolean;
}

/**
 * One legacy database or file set. Implementations live in one folder each under src/sources
 * and are created by `createSource` from the config.
 */
export interface Source {
  readonly kind: 'postgres' | 'mysql' | 'sqlite' | 'files';

  /** Reads column names and types, checks the primary key columns exist, counts rows. */
  describeTable(request: SourceTableRequest): Promise<TableDescription>;

  /**
   * Splits a table into at most `count` partitions of about equal row counts by the partition
   * column (the primary key's first column unless configured). Returns one partition when the
   * table is small or the source cannot be split.
   */
  planPartitions(table: TableDescription, request: SourceTableRequest, count: number): Promise<PartitionRange[]>;

  /** Opens one partition for reading. The caller consumes or destroys the stream. */
  readPartition(table: TableDescription, request: SourceTableRequest, partition: PartitionRange): Promise<PartitionData>;

  /**
   * Returns the largest value of a column as text and how many rows hold NULL in it; delta
   * loads use it to check a watermark column before reading.
   */
  columnStats(request: SourceTableRequest, column: string): Promise<{ max: string | null; nulls: number }>;

  /** Closes pools and handles. Safe to call twice. */
  close(): Promise<void>;
}
