/** Shapes of the API responses the dashboard reads (docs/api.md). Decimals are strings. */

export type Role = 'viewer' | 'controller' | 'data_engineer' | 'admin';

export interface Me {
  name: string;
  role: Role;
  /** `none` when the server runs without authentication (`aurora serve --no-auth`). */
  method: 'token' | 'oidc' | 'local' | 'none';
}

export interface AuthMethods {
  local: boolean;
  oidc: boolean;
}

export interface ModelMeasure {
  name: string;
  unit: string | null;
  description: string;
}

export interface GoldModelInfo {
  name: string;
  description: string;
  grain: string[];
  dimensions: string[];
  dateDimension: string | null;
  measures: ModelMeasure[];
  columns: { name: string; type: string }[];
  rows: number;
}

export interface ModelsResponse {
  runId: string;
  models: GoldModelInfo[];
}

export interface TotalsGroup {
  key: Record<string, string | null>;
  rows: string;
  sums: Record<string, string | null>;
}

export interface TotalsResponse {
  runId: string;
  model: string;
  groupBy: string[];
  groups: TotalsGroup[];
  truncated: boolean;
}

export type CellValue = string | number | boolean | null;

export interface RowsPage {
  rows: Record<string, CellValue>[];
  nextCursor: string | null;
}

/** A page of /api/v1/orders, with each column's heading in the requested language. */
export interface OrdersPage extends RowsPage {
  columns: { name: string; label: string }[];
}

export interface RunSummary {
  runId: string;
  mode: string;
  status: 'succeeded' | 'failed';
  startedAt: string;
  durationMs: number;
  rowsRead: number;
  silverRows: number;
  quarantinedRows: number;
  restorable: boolean;
  current: boolean;
}

export interface RunsResponse {
  runs: RunSummary[];
  lastKnownGood: string | null;
}

export interface RuleResult {
  ruleId: string;
  type: string;
  severity: 'error' | 'warn';
  column: string | null;
  message: { de: string; en: string };
  rowsChecked: number;
  failedRows: number;
  failureRatio: string;
  passed: boolean;
}

export interface TableReport {
  table: string;
  rowsRead: number;
  silverRows: number;
  quarantinedRows: number;
  warnedRows: number;
  quarantineRatio: string;
  rules: RuleResult[];
}

export interface QualityReport {
  run: { runId: string; mode: string; status: string; startedAt: string; finishedAt: string; durationMs: number };
  totals: { rowsRead: number; silverRows: number; quarantinedRows: number; quarantineRatio: string };
  tables: TableReport[];
}

export interface QuarantineFailure {
  ruleId: string;
  type: string;
  severity: string;
  column: string | null;
  value: string | null;
  message: string;
}

export interface QuarantineRow {
  table: string;
  key: Record<string, string | null>;
  failures: QuarantineFailure[];
  values: Record<string, CellValue>;
}

export interface QuarantinePage {
  runId: string;
  rows: QuarantineRow[];
  nextCursor: string | null;
}
