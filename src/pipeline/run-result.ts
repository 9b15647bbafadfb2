import type { LocalizedText, RuleType, Severity } from '../quality/types.js';

/** One failing row shown in the report: its key, the offending value and the whole row as text. */
export interface FailureSample {
  /** Primary key column name to value as text. */
  key: Record<string, string | null>;
  /** The checked value as text; NULL stays null. */
  value: string | null;
}

/** What one rule found in one table during one run. */
export interface RuleResult {
  ruleId: string;
  type: RuleType;
  severity: Severity;
  /** The checked column(s), comma-separated; absent for expression and row_count rules. */
  column?: string;
  message: LocalizedText;
  /** Rows the rule was evaluated on (after its `where` filter). Table rules: the table's rows. */
  rowsChecked: number;
  /** Rows that failed the rule. Table rules: 0 or 1. */
  failedRows: number;
  /** failedRows / rows read in the table. */
  failureRatio: number;
  /** Up to 20 failing rows. Empty for table rules. */
  samples: FailureSample[];
  /** Table rules only: the observed value (row count, newest timestamp) as text. */
  observed?: string;
}

export interface StepTimings {
  extractMs: number;
  validateMs: number;
  publishMs: number;
}

/** What one table went through during one run. */
export interface TableResult {
  table: string;
  sourceName: string;
  partitions: number;
  rowsRead: number;
  silverRows: number;
  quarantinedRows: number;
  /** Rows that failed at least one `warn` rule but no `error` rule; they are in silver. */
  warnedRows: number;
  /** quarantinedRows / rowsRead, 0 for an empty table. */
  quarantineRatio: number;
  maxQuarantineRatio?: number;
  rules: RuleResult[];
  timings: StepTimings;
  /** The columns as loaded, so the next run can tell what changed in the source. */
  schema?: { name: string; type: string }[];
  /** Differences from the previous published run's columns, accepted by the `evolve` policy. */
  schemaChanges?: SchemaChange[];
  /** What the next delta run needs from this one, and what this run changed as a delta. */
  delta?: DeltaState;
}

/** Per-table delta bookkeeping, kept in every run record (full loads start it). */
export interface DeltaState {
  /** The watermark column's maximum before this run read it; NULL when the table has none. */
  watermarkHigh: string | null;
  /** The watermark value this delta read from (previous maximum minus the look-back). */
  readFrom?: string;
  /** Rows read from the source by this run: the changes for a watermark delta, all rows otherwise. */
  changedRows: number;
  /** Rows removed from silver and quarantine because their key is gone from the source. */
  deletedRows: number;
  /** Delta runs since the source keys were last compared with the snapshot. */
  runsSinceDeleteCheck: number;
  /**
   * Present when the delta checked only changed rows: the rows that went through the rules
   * (changes, quarantine, affected clean rows), and the silver parts rewritten and kept.
   */
  incremental?: { checkedRows: number; affectedRows: number; filesRewritten: number; filesKept: number };
}

/** One column that differs from the previous published run. Types are Aurora's type names. */
export interface SchemaChange {
  column: string;
  kind: 'added' | 'dropped' | 'type_changed';
  oldType?: string;
  newType?: string;
}

export type RunStatus = 'succeeded' | 'failed';

/** The record of one pipeline run, written to the lake and rendered as the data-quality report. */
export interface RunResult {
  runId: string;
  mode: 'full' | 'delta';
  status: RunStatus;
  /** ISO 8601 instants in UTC. */
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  configFile: string;
  /** The source without secrets, for example `postgres://aurora@db.example:5432/erp`. */
  source: { kind: string; description: string };
  tables: TableResult[];
  totals: {
    rowsRead: number;
    silverRows: number;
    quarantinedRows: number;
    quarantineRatio: number;
  };
  /** Gold models built into the snapshot, with their row counts. */
  gold?: { model: string; rows: number; durationMs: number }[];
  /** Present when the run failed: the catalogue code and the message in each language. */
  error?: { code: string; message: LocalizedText };
}
