/** The source section of aurora.yaml after validation and environment substitution. */
export type SourceConfig =
  | { type: 'postgres'; url: string; schema?: string }
  | { type: 'mysql'; url: string }
  | { type: 'sqlite'; path: string }
  | { type: 'files'; folder: string };

/** One entry of `tables` in aurora.yaml. */
export interface TableConfig {
  name: string;
  sourceTable: string;
  primaryKey: string[];
  partitionColumn?: string;
  partitions: number;
  path?: string;
  format?: 'csv' | 'parquet' | 'json';
  /** Delta loads: the column that grows with every change; absent means compare every row. */
  watermarkColumn?: string;
  /** Delta loads: seconds before the last watermark maximum to read again. */
  lookbackSeconds: number;
  deletes: 'remove' | 'tombstone' | 'ignore';
  deleteCheckEvery: number;
  /** Rows per silver part file when a full load splits the table by key range. */
  silverPartRows: number;
  /** Policy when the source's columns differ from the previous published run. */
  schemaChanges: 'fail' | 'evolve';
  /** Line of the entry in aurora.yaml, for messages. */
  line?: number;
}

/** One filter parameter of the orders endpoint. */
export interface OrdersFilterConfig {
  /** Query parameter name, such as `plant`. */
  name: string;
  /** Column compared as text with the requested values; of the last `via` table when joins are given. */
  column: string;
  /** Joins from the orders table to the table of `column`; empty when the column is on the orders table. */
  via: { table: string; from: string; to: string }[];
}

/** The `api.orders` section: which silver table and which of its columns the orders endpoint serves. */
export interface OrdersApiConfig {
  table: string;
  /** Columns that identify a row, used as tie-breakers of every sort. */
  key: string[];
  dateColumn?: string;
  defaultSort: { column: string; order: 'asc' | 'desc' };
  /** Returned columns in order, with their export headers. */
  columns: { name: string; label: { de: string; en: string } }[];
  /** Columns a request may sort by; always contains the key columns. */
  sortable: string[];
  filters: OrdersFilterConfig[];
}

/** The `api` section of aurora.yaml. */
export interface ApiConfig {
  /** Exports with more rows are rejected before any row is written. */
  exportMaxRows: number;
  orders?: OrdersApiConfig;
}

/** A validated, frozen aurora.yaml. Paths are absolute. */
export interface AuroraConfig {
  file: string;
  name: string;
  source: SourceConfig;
  lake: string;
  rules: string;
  /** Folder of gold models, absolute; absent when the deployment has none. */
  models?: string;
  parallelism: number;
  /** Days a snapshot is kept after its run started; see applyRetention. */
  retentionDays: number;
  tables: TableConfig[];
  /** Settings of the HTTP API; absent in configs built by hand, where the defaults apply. */
  api?: ApiConfig;
  /**
   * Values that came from environment variables inside the source section. They may be
   * passwords, so every text Aurora prints or writes is scrubbed of them.
   */
  secrets: string[];
}
