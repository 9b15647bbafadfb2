import { DEFECT_KINDS, type DefectKind, type DefectTally } from './defect-kinds.js';
import type { ErpPlan } from './plan.js';
import type { ErpTableName } from './tables.js';

/** One defect kind as placed in one table, in the units the rule reports: failing rows. */
export interface ErpDefectCount {
  kind: DefectKind;
  table: ErpTableName;
  ruleId: string;
  severity: 'error' | 'warn';
  rows: number;
}

/**
 * The facts of one `aurora sample erp` load, for checking a pipeline run against it. Every row rule of
 * examples/mueller-erp/rules that is not listed in expectedFailedRows must fail 0 rows.
 */
export interface ErpManifest {
  dataset: 'mueller-erp';
  seed: number;
  scale: number;
  defectRate: number;
  target: string;
  rows: Record<ErpTableName, number>;
  defects: ErpDefectCount[];
  /** Rule id to failing rows, per table. Several kinds can feed one rule. */
  expectedFailedRows: Record<ErpTableName, Record<string, number>>;
  /** Rows that fail at least one `error` rule. Defect rows carry one defect each, so this is their sum. */
  expectedQuarantinedRows: Record<ErpTableName, number>;
  /** SHA-256 of each table's generated rows as text. Equal seeds and scales give equal checksums on every target. */
  checksums: Record<ErpTableName, string>;
  durationMs: number;
}

const TABLE_NAMES: readonly ErpTableName[] = ['PLANTS', 'CUSTOMERS', 'ARTICLES', 'ORDERS', 'ORDER_ITEMS', 'INVOICES'];

export function buildManifest(
  plan: ErpPlan,
  target: string,
  rows: Record<ErpTableName, number>,
  tally: DefectTally,
  checksums: Record<ErpTableName, string>,
  durationMs: number,
): ErpManifest {
  const defects: ErpDefectCount[] = [];
  const expectedFailedRows = Object.fromEntries(TABLE_NAMES.map((table) => [table, {}])) as Record<ErpTableName, Record<string, number>>;
  const expectedQuarantinedRows = Object.fromEntries(TABLE_NAMES.map((table) => [table, 0])) as Record<ErpTableName, number>;

  for (const kind of Object.keys(DEFECT_KINDS) as DefectKind[]) {
    const { table, ruleId, severity } = DEFECT_KINDS[kind];
    const count = tally[kind] ?? 0;
    defects.push({ kind, table, ruleId, severity, rows: count });
    expectedFailedRows[table][ruleId] = (expectedFailedRows[table][ruleId] ?? 0) + count;
    if (severity === 'error') {
      expectedQuarantinedRows[table] += count;
    }
  }

  return {
    dataset: 'mueller-erp',
    seed: plan.seed,
    scale: plan.scale,
    defectRate: plan.defectRate,
    target,
    rows,
    defects,
    expectedFailedRows,
    expectedQuarantinedRows,
    checksums,
    durationMs,
  };
}
