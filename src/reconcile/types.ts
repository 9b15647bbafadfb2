/** The kind of difference of one primary key between the source and the published snapshot. */
export type KeyDifferenceKind = 'missing-in-target' | 'missing-in-source' | 'changed';

/** One differing primary key. */
export interface KeyDifference {
  kind: KeyDifferenceKind;
  /** Key column to its value as DuckDB text, or null for NULL. */
  key: Record<string, string | null>;
  /** The source columns whose values differ; empty unless `kind` is `changed`. */
  columns: string[];
}

/** The exact sum of one numeric measure column on both sides, as decimal text. */
export interface MeasureSum {
  column: string;
  /** Null when the side has no rows or only NULLs in the column. */
  source: string | null;
  target: string | null;
  matches: boolean;
}

/** The comparison of one configured table. */
export interface TableReconciliation {
  table: string;
  sourceName: string;
  sourceRows: number;
  silverRows: number;
  quarantineRows: number;
  /**
   * `sourceRows - silverRows - quarantineRows + keptByPolicy`, which is zero when no row was
   * lost or added.
   */
  difference: number;
  /** Snapshot rows whose key left the source and that `deletes: ignore` keeps on purpose. */
  keptByPolicy?: number;
  measures: MeasureSum[];
  measuresMatch: boolean;
  /** Top-level primary-key ranges compared by count and checksum. */
  rangesChecked: number;
  rangesDiffering: number;
  /** Sub-ranges compared while narrowing differing ranges down to single keys. */
  subrangesChecked: number;
  /** All differing keys, listed or not. */
  differingKeys: number;
  /** The first differing keys in key order, at most `MAX_LISTED_KEYS`. */
  keys: KeyDifference[];
  /** Differing keys beyond the listed ones. */
  keysNotListed: number;
  matches: boolean;
  durationMs: number;
}

/** The outcome of `aurora reconcile`, also written as reports/<run>/reconcile.json. */
export interface ReconcileResult {
  /** The run whose published snapshot was compared. */
  runId: string;
  snapshot: string;
  publishedAt: string;
  checkedAt: string;
  durationMs: number;
  configFile: string;
  source: { kind: string; description: string };
  tables: TableReconciliation[];
  matches: boolean;
}

/** Maximum number of differing keys listed per table. The rest are only counted. */
export const MAX_LISTED_KEYS = 100;

/** Maximum width of a key range that is not split further. Its keys are compared one by one. */
export const LEAF_RANGE_KEYS = 64;
