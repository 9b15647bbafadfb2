import type { SchemaChange } from '../pipeline/run-result.js';
import type { FailureSample, RuleResult, RunResult, TableResult } from '../pipeline/run-result.js';
import { TABLE_RULE_TYPES, type RuleType, type Severity } from '../quality/types.js';

/**
 * Version of the report.json shape, described by schemas/quality-report.schema.json. Raise it
 * when a field is removed, renamed or changes its meaning. Adding a field keeps the version.
 */
export const QUALITY_REPORT_JSON_VERSION = 1;

/** Reports keep at most this many failing rows per rule, even if a run record contains more. */
export const MAX_SAMPLES_PER_RULE = 20;

/** Digits after the decimal point in ratio strings. Ten keep one row in ten billion visible. */
const RATIO_FRACTION_DIGITS = 10;

export interface QualityReportJson {
  version: typeof QUALITY_REPORT_JSON_VERSION;
  run: {
    runId: string;
    mode: string;
    status: string;
    startedAt: string;
    finishedAt: string;
    durationMs: number;
    configFile: string;
    source: { kind: string; description: string };
    error: { code: string; message: { de: string; en: string } } | null;
  };
  totals: {
    rowsRead: number;
    silverRows: number;
    quarantinedRows: number;
    warnedRows: number;
    quarantineRatio: string | null;
    balanced: boolean;
    tables: number;
    failingRules: number;
    failingErrorRules: number;
    failingWarnRules: number;
    timings: QualityReportTimings;
  };
  tables: QualityReportTable[];
}

export interface QualityReportTimings {
  extractMs: number;
  validateMs: number;
  publishMs: number;
}

export interface QualityReportTable {
  table: string;
  sourceName: string;
  partitions: number;
  rowsRead: number;
  silverRows: number;
  quarantinedRows: number;
  warnedRows: number;
  quarantineRatio: string | null;
  maxQuarantineRatio: string | null;
  thresholdExceeded: boolean;
  balanced: boolean;
  timings: QualityReportTimings;
  rules: QualityReportRule[];
  /** Rows read from the source, deletions, watermark and column changes of this run. */
  changes?: {
    rowsFromSource: number;
    deletedRows: number;
    watermarkHigh: string | null;
    readFrom: string | null;
    schemaChanges: SchemaChange[];
    /** Incremental deltas: rows checked and silver parts rewritten; absent when the whole table was checked. */
    incremental?: { checkedRows: number; affectedRows: number; filesRewritten: number; filesKept: number };
  };
}

export interface QualityReportRule {
  ruleId: string;
  type: RuleType;
  scope: 'row' | 'table';
  severity: Severity;
  column: string | null;
  message: { de: string; en: string };
  rowsChecked: number;
  failedRows: number;
  failureRatio: string | null;
  passed: boolean;
  observed: string | null;
  samples: FailureSample[];
}

/**
 * Builds the machine-readable report of one run. Optional fields become explicit nulls so every
 * key is always present. Row counts and milliseconds stay JSON numbers because they are
 * integers far below 2^53. Ratios become decimal strings so that no consumer has to parse a
 * binary float or an exponent. Tables, rules and samples keep the order of the run.
 */
export function buildQualityReportJson(run: RunResult): QualityReportJson {
  const tables = run.tables.map(buildTable);
  const rules = tables.flatMap((table) => table.rules);
  const failing = rules.filter((rule) => !rule.passed);

  return {
    version: QUALITY_REPORT_JSON_VERSION,
    run: {
      runId: run.runId,
      mode: run.mode,
      status: run.status,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      durationMs: run.durationMs,
      configFile: run.configFile,
      source: { kind: run.source.kind, description: run.source.description },
      error: run.error ? { code: run.error.code, message: { de: run.error.message.de, en: run.error.message.en } } : null,
    },
    totals: {
      rowsRead: run.totals.rowsRead,
      silverRows: run.totals.silverRows,
      quarantinedRows: run.totals.quarantinedRows,
      warnedRows: run.tables.reduce((sum, table) => sum + table.warnedRows, 0),
      quarantineRatio: ratioText(run.totals.quarantineRatio),
      balanced: run.totals.silverRows + run.totals.quarantinedRows === run.totals.rowsRead,
      tables: run.tables.length,
      failingRules: failing.length,
      failingErrorRules: failing.filter((rule) => rule.severity === 'error').length,
      failingWarnRules: failing.filter((rule) => rule.severity === 'warn').length,
      timings: {
        extractMs: sumOf(run.tables, (table) => table.timings.extractMs),
        validateMs: sumOf(run.tables, (table) => table.timings.validateMs),
        publishMs: sumOf(run.tables, (table) => table.timings.publishMs),
      },
    },
    tables,
  };
}

function buildTable(table: TableResult): QualityReportTable {
  return {
    table: table.table,
    sourceName: table.sourceName,
    partitions: table.partitions,
    rowsRead: table.rowsRead,
    silverRows: table.silverRows,
    quarantinedRows: table.quarantinedRows,
    warnedRows: table.warnedRows,
    quarantineRatio: ratioText(table.quarantineRatio),
    maxQuarantineRatio: table.maxQuarantineRatio === undefined ? null : ratioText(table.maxQuarantineRatio),
    thresholdExceeded: table.maxQuarantineRatio !== undefined && table.quarantineRatio > table.maxQuarantineRatio,
    balanced: table.silverRows + table.quarantinedRows === table.rowsRead,
    timings: {
      extractMs: table.timings.extractMs,
      validateMs: table.timings.validateMs,
      publishMs: table.timings.publishMs,
    },
    rules: table.rules.map(buildRule),
    ...(table.delta || table.schemaChanges
      ? {
          changes: {
            rowsFromSource: table.delta?.changedRows ?? table.rowsRead,
            deletedRows: table.delta?.deletedRows ?? 0,
            watermarkHigh: table.delta?.watermarkHigh ?? null,
            readFrom: table.delta?.readFrom ?? null,
            schemaChanges: table.schemaChanges ?? [],
            ...(table.delta?.incremental ? { incremental: table.delta.incremental } : {}),
          },
        }
      : {}),
  };
}

function buildRule(rule: RuleResult): QualityReportRule {
  return {
    ruleId: rule.ruleId,
    type: rule.type,
    scope: (TABLE_RULE_TYPES as readonly string[]).includes(rule.type) ? 'table' : 'row',
    severity: rule.severity,
    column: rule.column ?? null,
    message: { de: rule.message.de, en: rule.message.en },
    rowsChecked: rule.rowsChecked,
    failedRows: rule.failedRows,
    failureRatio: ratioText(rule.failureRatio),
    passed: rule.failedRows === 0,
    observed: rule.observed ?? null,
    samples: rule.samples.slice(0, MAX_SAMPLES_PER_RULE).map((sample) => ({ key: { ...sample.key }, value: sample.value })),
  };
}

/**
 * Writes a ratio as a plain decimal string without exponent or trailing zeros (`0.0293175906`).
 * NaN and infinities, which only a broken run record can contain, become null instead of
 * making the whole report unwritable.
 */
export function ratioText(ratio: number): string | null {
  if (!Number.isFinite(ratio)) {
    return null;
  }

  const fixed = ratio.toFixed(RATIO_FRACTION_DIGITS);
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return trimmed === '-0' ? '0' : trimmed;
}

function sumOf<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((sum, item) => sum + pick(item), 0);
}
