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
  /** Policy when the source's columns differ from the previous published run. */
  schemaChanges: 'fail' | 'evolve';
  /** Line of the entry in aurora.yaml, for messages. */
  line?: number;
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
  /**
   * Values that came from environment variables inside the source section. They may be
   * passwords, so every text Aurora prints or writes is scrubbed of them.
   */
  secrets: string[];
}
