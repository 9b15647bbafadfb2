import path from 'node:path';

import type { DuckdbSession, TextRow } from '../engine/duckdb-session.js';
import { AuroraError, describeCause } from '../errors/aurora-error.js';
import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import type { FailureSample, RuleResult } from '../pipeline/run-result.js';
import type { TableDescription } from '../sources/types.js';
import type { CompiledRowRule, CompiledTableRule } from './compile-rules.js';
import type { Rule } from './types.js';
import { carryPartFile, writePartFiles, type SilverPartitioning } from '../lake/part-files.js';

/** At most this many failing rows per rule go into the report. */
export const SAMPLES_PER_RULE = 20;

/** The columns Aurora adds to silver and quarantine rows. Source columns may not use the prefix. */
export const RESERVED_COLUMN_PREFIX = '_aurora_';

const FAILURE_STRUCT =
  'STRUCT(rule_id VARCHAR, rule_type VARCHAR, severity VARCHAR, column_name VARCHAR, "value" VARCHAR, message_de VARCHAR, message_en VARCHAR)';

export interface TableValidationTask {
  session: DuckdbSession;
  runId: string;
  table: TableDescription;
  /** The quoted relation (a view over the table's bronze files) the rules were compiled against. */
  relation: string;
  /**
   * The rows to check and split, as SQL with a row id column; default: all rows of `relation`.
   * An incremental delta checks only its changed and affected rows, while rules that compare
   * rows (unique, relationship) still read the whole relation. Its table rules read the
   * written snapshot files, which contain the same rows.
   */
  checkedRows?: string;
  rowRules: readonly CompiledRowRule[];
  tableRules: readonly CompiledTableRule[];
  /** The split of silver and quarantine into part files; undefined writes one file each. */
  partitioning?: SilverPartitioning;
  /** The silver folder. Carried rows keep their `_aurora_run_id`. */
  silver: PartFolderTarget;
  /** The quarantine folder. Carried rows keep their recorded failures, because no change can alter them. */
  quarantine: PartFolderTarget;
}

/** A folder of part files to write, with what an incremental delta keeps of the published ones. */
export interface PartFolderTarget {
  folder: string;
  /** SQL of the published rows that stay in the parts this run rewrites. */
  carriedRows?: string;
  /** Published part files no change falls into, linked into the folder unchanged. */
  unchangedFiles?: readonly string[];
}

export interface TableValidationResult {
  rowsRead: number;
  /** Rows the row rules were evaluated on: rowsRead, or an incremental delta's checked rows. */
  rowsChecked: number;
  silverRows: number;
  quarantinedRows: number;
  warnedRows: number;
  rules: RuleResult[];
  /** Table rules of severity `error` that failed; they fail the run. */
  failedTableChecks: { rule: Rule; observed: string | null }[];
  /** Time spent checking rules, and writing the silver and quarantine files. */
  timings: { validateMs: number; writeMs: number };
}

/** The row id column of the bronze relation: partition index and row number in the file. */
export const ROW_ID_COLUMN = `${RESERVED_COLUMN_PREFIX}row`;

/**
 * Checks every row of one table and splits it into silver and quarantine. One pass evaluates
 * all rules and keeps only the failing rows' ids, keys and flags in a temporary table, so
 * memory grows with the failures, not with the table. Silver is then the relation without
 * the error rows and quarantine the relation joined with them: each row lands in exactly one
 * of the two by construction.
 */
export async function validateTable(task: TableValidationTask): Promise<TableValidationResult> {
  const flags = quoteIdentifier(`${RESERVED_COLUMN_PREFIX}flags_${task.table.name}`);
  const startedAt = performance.now();
  try {
    await task.session.run(flagsTableSql(task, flags));
  } catch (error) {
    throw await explainRuleFailure(task, error);
  }

  try {
    const counts = await countFailures(task, flags);
    const checkedAt = performance.now();

    await writeSilver(task, flags);
    // The quarantine folder also contains the carried and linked rows of an incremental delta,
    // so its count is the table's quarantine total.
    const quarantinedRows = await writeQuarantine(task, flags);
    // An incremental delta checked part of the table; the written folders contain all of it.
    let rowsRead = counts.rowsChecked;
    if (task.checkedRows !== undefined) {
      rowsRead = (await countFolderRows(task, task.silver)) + quarantinedRows;
      await useWrittenFiles(task);
    }
    const writtenAt = performance.now();

    const rules: RuleResult[] = [];
    for (const [index, compiled] of task.rowRules.entries()) {
      const failedRows = counts.failed[index] ?? 0;
      rules.push({
        ...describeRule(compiled.rule),
        rowsChecked: counts.checked[index] ?? counts.rowsChecked,
        failedRows,
        failureRatio: counts.rowsChecked === 0 ? 0 : failedRows / counts.rowsChecked,
        samples: failedRows === 0 ? [] : await readSamples(task, flags, index),
      });
    }

    const failedTableChecks: TableValidationResult['failedTableChecks'] = [];
    for (const compiled of task.tableRules) {
      const [row] = await task.session.queryText(
        `SELECT CAST(failed AS VARCHAR) AS failed, CAST(observed AS VARCHAR) AS observed FROM (${compiled.sql})`,
      );
      const failed = row?.failed === 'true';
      const observed = row?.observed ?? null;
      if (failed && compiled.rule.severity === 'error') {
        failedTableChecks.push({ rule: compiled.rule, observed });
      }
      rules.push({
        ...describeRule(compiled.rule),
        rowsChecked: rowsRead,
        failedRows: failed ? 1 : 0,
        failureRatio: failed ? 1 : 0,
        samples: [],
        ...(observed !== null ? { observed } : {}),
      });
    }

    return {
      rowsRead,
      rowsChecked: counts.rowsChecked,
      silverRows: rowsRead - quarantinedRows,
      quarantinedRows,
      warnedRows: counts.warned,
      rules,
      failedTableChecks,
      timings: { validateMs: checkedAt - startedAt + (performance.now() - writtenAt), writeMs: writtenAt - checkedAt },
    };
  } finally {
    await task.session.run(`DROP TABLE IF EXISTS ${flags}`);
  }
}

function flag(index: number): string {
  return quoteIdentifier(`${RESERVED_COLUMN_PREFIX}f${index}`);
}

function flagValue(index: number): string {
  return quoteIdentifier(`${RESERVED_COLUMN_PREFIX}v${index}`);
}

const ERROR_FLAG = quoteIdentifier(`${RESERVED_COLUMN_PREFIX}error`);
const WARN_FLAG = quoteIdentifier(`${RESERVED_COLUMN_PREFIX}warn`);

const ROW_ID = quoteIdentifier(ROW_ID_COLUMN);

function flagsTableSql(task: TableValidationTask, flags: string): string {
  const anyOf = (severity?: 'error' | 'warn'): string => {
    const members = task.rowRules.flatMap((compiled, index) => (severity === undefined || compiled.rule.severity === severity ? [flag(index)] : []));
    return members.length === 0 ? 'false' : members.join(' OR ');
  };

  const evaluated = task.rowRules.map((compiled, index) => `coalesce((${compiled.failedSql}), false) AS ${flag(index)}`);
  const kept = [
    ROW_ID,
    ...task.table.primaryKey.map(quoteIdentifier),
    ...task.rowRules.map((_, index) => flag(index)),
    ...task.rowRules.map((compiled, index) => `CASE WHEN ${flag(index)} THEN CAST((${compiled.valueSql}) AS VARCHAR) END AS ${flagValue(index)}`),
    `(${anyOf('error')}) AS ${ERROR_FLAG}`,
    `(${anyOf('warn')}) AS ${WARN_FLAG}`,
  ];

  const checked = checkedRowsSql(task);
  const inner = evaluated.length === 0 ? `SELECT * FROM ${checked}` : `SELECT *, ${evaluated.join(', ')} FROM ${checked}`;
  return `CREATE TEMP TABLE ${flags} AS SELECT ${kept.join(', ')} FROM (${inner}) WHERE ${anyOf()}`;
}

/**
 * Returns the checked rows under the relation's own name, so that rule SQL qualified with the relation
 * binds to them, while the relation named inside a rule's subquery is still the whole table.
 */
function checkedRowsSql(task: TableValidationTask): string {
  return task.checkedRows === undefined ? task.relation : `(${task.checkedRows}) AS ${task.relation}`;
}

/** Returns the checked rows under another alias, for the statements that write them. */
function checkedRowsAs(task: TableValidationTask, alias: string): string {
  return task.checkedRows === undefined ? `${task.relation} ${alias}` : `(${task.checkedRows}) ${alias}`;
}

interface FailureCounts {
  rowsChecked: number;
  warned: number;
  failed: number[];
  checked: number[];
}

async function countFailures(task: TableValidationTask, flags: string): Promise<FailureCounts> {
  const [fromFlags = {}] = await task.session.queryText(
    `SELECT ${[
      `CAST(count(*) FILTER (WHERE ${WARN_FLAG} AND NOT ${ERROR_FLAG}) AS VARCHAR) AS warned`,
      ...task.rowRules.map((_, index) => `CAST(count(*) FILTER (WHERE ${flag(index)}) AS VARCHAR) AS ${quoteIdentifier(`failed_${index}`)}`),
    ].join(', ')} FROM ${flags}`,
  );

  // Rows in scope of a `where` filter are counted over all checked rows, not only the failures.
  const scoped = task.rowRules.flatMap((compiled, index) =>
    compiled.rule.where ? [`CAST(count(*) FILTER (WHERE coalesce((${compiled.rule.where}), false)) AS VARCHAR) AS ${quoteIdentifier(`checked_${index}`)}`] : [],
  );
  const [fromChecked = {}] = await task.session.queryText(
    `SELECT ${['CAST(count(*) AS VARCHAR) AS rows_checked', ...scoped].join(', ')} FROM ${checkedRowsSql(task)}`,
  );
  const count = (row: TextRow, name: string): number | undefined => (row[name] === undefined ? undefined : Number(row[name]));
  const rowsChecked = count(fromChecked, 'rows_checked') ?? 0;

  return {
    rowsChecked,
    warned: count(fromFlags, 'warned') ?? 0,
    failed: task.rowRules.map((_, index) => count(fromFlags, `failed_${index}`) ?? 0),
    checked: task.rowRules.map((_, index) => count(fromChecked, `checked_${index}`) ?? rowsChecked),
  };
}

function sourceColumns(task: TableValidationTask, qualifier?: string): string {
  return task.table.columns.map((column) => `${qualifier ? `${qualifier}.` : ''}${quoteIdentifier(column.name)}`).join(', ');
}

async function writeSilver(task: TableValidationTask, flags: string): Promise<void> {
  const runIdColumn = `${quoteLiteral(task.runId)} AS ${quoteIdentifier(`${RESERVED_COLUMN_PREFIX}run_id`)}`;
  const checked = `SELECT ${sourceColumns(task, 'r')}, ${runIdColumn} FROM ${checkedRowsAs(task, 'r')} ANTI JOIN (SELECT ${ROW_ID} FROM ${flags} WHERE ${ERROR_FLAG}) e ON r.${ROW_ID} = e.${ROW_ID}`;
  const select = task.silver.carriedRows === undefined ? checked : `${checked} UNION ALL ${task.silver.carriedRows}`;
  await writePartFolder(task, task.silver, select);
}

/** Writes the rows of `select` as part files and links the unchanged published parts beside them. */
async function writePartFolder(task: TableValidationTask, target: PartFolderTarget, select: string): Promise<void> {
  const unchangedFiles = target.unchangedFiles ?? [];
  await writePartFiles(task.session, select, target.folder, task.runId, task.partitioning, unchangedFiles.length > 0);
  for (const file of unchangedFiles) {
    await carryPartFile(file, target.folder);
  }
}

/** Counts the rows of a written folder from the Parquet footers. */
async function countFolderRows(task: TableValidationTask, target: PartFolderTarget): Promise<number> {
  const [row] = await task.session.queryText(`SELECT CAST(count(*) AS VARCHAR) AS n FROM read_parquet(${quoteLiteral(path.join(target.folder, '*.parquet'))})`);
  return Number(row?.n ?? 0);
}

/**
 * Points the relation at the written silver and quarantine files. They contain the same rows as
 * the merge an incremental delta validated, but reading them costs no join with the published
 * files, so the table rules and later readers (relationship rules of other tables, tombstones)
 * read them instead.
 */
async function useWrittenFiles(task: TableValidationTask): Promise<void> {
  const columns = sourceColumns(task);
  const silver = `SELECT ${columns} FROM read_parquet(${quoteLiteral(path.join(task.silver.folder, '*.parquet'))})`;
  const quarantine = `SELECT ${columns} FROM read_parquet(${quoteLiteral(path.join(task.quarantine.folder, '*.parquet'))})`;
  await task.session.run(`CREATE OR REPLACE VIEW ${task.relation} AS ${silver} UNION ALL ${quarantine}`);
}

/** Writes the quarantine part files and returns how many rows the folder has. */
async function writeQuarantine(task: TableValidationTask, flags: string): Promise<number> {
  const failures = task.rowRules.map((compiled, index) => {
    const rule = describeRule(compiled.rule);
    const fields = [
      `rule_id := ${quoteLiteral(rule.ruleId)}`,
      `rule_type := ${quoteLiteral(rule.type)}`,
      `severity := ${quoteLiteral(rule.severity)}`,
      `column_name := ${rule.column === undefined ? 'NULL::VARCHAR' : quoteLiteral(rule.column)}`,
      `"value" := f.${flagValue(index)}`,
      `message_de := ${quoteLiteral(rule.message.de)}`,
      `message_en := ${quoteLiteral(rule.message.en)}`,
    ];
    return `CASE WHEN f.${flag(index)} THEN struct_pack(${fields.join(', ')}) END`;
  });
  const failureList =
    failures.length === 0
      ? `CAST([] AS ${FAILURE_STRUCT}[])`
      : `CAST(list_filter([${failures.join(', ')}], failure -> failure IS NOT NULL) AS ${FAILURE_STRUCT}[])`;

  const prefix = RESERVED_COLUMN_PREFIX;
  const select = [
    `${quoteLiteral(task.runId)} AS ${quoteIdentifier(`${prefix}run_id`)}`,
    `${quoteLiteral(task.table.name)} AS ${quoteIdentifier(`${prefix}table`)}`,
    `${keyJsonSql(task.table, 'r')} AS ${quoteIdentifier(`${prefix}key`)}`,
    `${failureList} AS ${quoteIdentifier(`${prefix}failures`)}`,
    sourceColumns(task, 'r'),
  ].join(', ');

  const failingRows = `SELECT ${select} FROM ${checkedRowsAs(task, 'r')} JOIN ${flags} f ON r.${ROW_ID} = f.${ROW_ID} WHERE f.${ERROR_FLAG}`;
  const carried = task.quarantine.carriedRows;
  const quarantineRows = carried === undefined ? failingRows : `(${failingRows}) UNION ALL BY NAME (${carried})`;
  await writePartFolder(task, task.quarantine, quarantineRows);
  return countFolderRows(task, task.quarantine);
}

/** Builds the primary key as a JSON object of text values, e.g. `{"ORDER_ID":"4711"}`. */
function keyJsonSql(table: TableDescription, qualifier: string): string {
  const pairs = table.primaryKey.map((name) => `${quoteLiteral(name)}, CAST(${qualifier}.${quoteIdentifier(name)} AS VARCHAR)`);
  return `CAST(json_object(${pairs.join(', ')}) AS VARCHAR)`;
}

async function readSamples(task: TableValidationTask, flags: string, index: number): Promise<FailureSample[]> {
  const keys = task.table.primaryKey.map((name, position) => `CAST(${quoteIdentifier(name)} AS VARCHAR) AS ${quoteIdentifier(`k${position}`)}`);
  const order = task.table.primaryKey.map(quoteIdentifier).join(', ');
  const rows: TextRow[] = await task.session.queryText(
    `SELECT ${[...keys, `${flagValue(index)} AS sample_value`].join(', ')} FROM ${flags} WHERE ${flag(index)}${order ? ` ORDER BY ${order}` : ''} LIMIT ${SAMPLES_PER_RULE}`,
  );

  return rows.map((row) => ({
    key: Object.fromEntries(task.table.primaryKey.map((name, position) => [name, row[`k${position}`] ?? null])),
    value: row.sample_value ?? null,
  }));
}

/** Returns the report's view of a rule: id, type, severity, checked column(s) and message. */
export function describeRule(rule: Rule): Pick<RuleResult, 'ruleId' | 'type' | 'severity' | 'column' | 'message'> {
  let columns: string | undefined;
  if ('columns' in rule) {
    columns = rule.columns.join(', ');
  } else if ('column' in rule) {
    columns = rule.column;
  }
  return {
    ruleId: rule.id,
    type: rule.type,
    severity: rule.severity,
    ...(columns !== undefined ? { column: columns } : {}),
    message: rule.message,
  };
}

/**
 * Finds the rule that made the combined statement fail by running each rule alone, so the
 * user learns which rule in which file broke on these data. Runs only on the failure path.
 */
async function explainRuleFailure(task: TableValidationTask, error: unknown): Promise<unknown> {
  for (const compiled of task.rowRules) {
    try {
      await task.session.queryText(
        // Aggregating both columns forces DuckDB to evaluate them; window functions are allowed here.
        `SELECT CAST(count(*) FILTER (WHERE failed) AS VARCHAR) AS failed, CAST(count(checked_value) AS VARCHAR) AS valued FROM (SELECT coalesce((${compiled.failedSql}), false) AS failed, CASE WHEN coalesce((${compiled.failedSql}), false) THEN CAST((${compiled.valueSql}) AS VARCHAR) END AS checked_value FROM ${task.relation})`,
      );
    } catch (ruleError) {
      const origin = compiled.rule.origin;
      return new AuroraError(
        'RULE_EVALUATION_FAILED',
        {
          table: task.table.name,
          rule: compiled.rule.id,
          location: `${origin.file}:${origin.line} (${origin.key})`,
          detail: firstLine(describeCause(ruleError)),
        },
        { cause: ruleError },
      );
    }
  }
  return error;
}

/** DuckDB appends the SQL text and a caret line to its messages; users need the first line. */
function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
