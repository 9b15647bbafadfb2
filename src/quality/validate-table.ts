import type { DuckdbSession, TextRow } from '../engine/duckdb-session.js';
import { AuroraError, describeCause } from '../errors/aurora-error.js';
import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import type { FailureSample, RuleResult } from '../pipeline/run-result.js';
import type { TableDescription } from '../sources/types.js';
import type { CompiledRowRule, CompiledTableRule } from './compile-rules.js';
import type { Rule } from './types.js';

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
  rowRules: readonly CompiledRowRule[];
  tableRules: readonly CompiledTableRule[];
  silverFile: string;
  quarantineFile: string;
}

export interface TableValidationResult {
  rowsRead: number;
  silverRows: number;
  quarantinedRows: number;
  warnedRows: number;
  rules: RuleResult[];
  /** Table rules of severity `error` that failed; they fail the run. */
  failedTableChecks: { rule: Rule; observed: string | null }[];
  /** Time spent checking rules, and writing the silver and quarantine files. */
  timings: { validateMs: number; writeMs: number };
}

/**
 * Checks every row of one table in one pass and splits it into silver and quarantine. The
 * rule flags are computed once into a temporary table; the two output files and all counts are
 * read from it, so a row lands in exactly one of the two files by construction.
 */
export async function validateTable(task: TableValidationTask): Promise<TableValidationResult> {
  const checked = quoteIdentifier(`${RESERVED_COLUMN_PREFIX}checked_${task.table.name}`);
  const startedAt = performance.now();
  try {
    await task.session.run(checkedTableSql(task, checked));
  } catch (error) {
    throw await explainRuleFailure(task, error);
  }

  try {
    const counts = await countFailures(task, checked);
    const checkedAt = performance.now();

    await writeSilver(task, checked);
    await writeQuarantine(task, checked);
    const writtenAt = performance.now();

    const rules: RuleResult[] = [];
    for (const [index, compiled] of task.rowRules.entries()) {
      const failedRows = counts.failed[index] ?? 0;
      rules.push({
        ...describeRule(compiled.rule),
        rowsChecked: counts.checked[index] ?? counts.rowsRead,
        failedRows,
        failureRatio: counts.rowsRead === 0 ? 0 : failedRows / counts.rowsRead,
        samples: failedRows === 0 ? [] : await readSamples(task, checked, index),
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
        rowsChecked: counts.rowsRead,
        failedRows: failed ? 1 : 0,
        failureRatio: failed ? 1 : 0,
        samples: [],
        ...(observed !== null ? { observed } : {}),
      });
    }

    return {
      rowsRead: counts.rowsRead,
      silverRows: counts.rowsRead - counts.quarantined,
      quarantinedRows: counts.quarantined,
      warnedRows: counts.warned,
      rules,
      failedTableChecks,
      timings: { validateMs: checkedAt - startedAt + (performance.now() - writtenAt), writeMs: writtenAt - checkedAt },
    };
  } finally {
    await task.session.run(`DROP TABLE IF EXISTS ${checked}`);
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

function checkedTableSql(task: TableValidationTask, checked: string): string {
  const flags = task.rowRules.flatMap((compiled, index) => [
    `coalesce((${compiled.failedSql}), false) AS ${flag(index)}`,
    `CASE WHEN coalesce((${compiled.failedSql}), false) THEN CAST((${compiled.valueSql}) AS VARCHAR) END AS ${flagValue(index)}`,
  ]);
  const anyOf = (severity: 'error' | 'warn'): string => {
    const members = task.rowRules.flatMap((compiled, index) => (compiled.rule.severity === severity ? [flag(index)] : []));
    return members.length === 0 ? 'false' : members.join(' OR ');
  };

  const inner = flags.length === 0 ? `SELECT * FROM ${task.relation}` : `SELECT *, ${flags.join(', ')} FROM ${task.relation}`;
  return `CREATE TEMP TABLE ${checked} AS SELECT *, (${anyOf('error')}) AS ${ERROR_FLAG}, (${anyOf('warn')}) AS ${WARN_FLAG} FROM (${inner})`;
}

interface FailureCounts {
  rowsRead: number;
  quarantined: number;
  warned: number;
  failed: number[];
  checked: number[];
}

async function countFailures(task: TableValidationTask, checked: string): Promise<FailureCounts> {
  const perRule = task.rowRules.flatMap((compiled, index) => [
    `CAST(count(*) FILTER (WHERE ${flag(index)}) AS VARCHAR) AS ${quoteIdentifier(`failed_${index}`)}`,
    `CAST(${compiled.rule.where ? `count(*) FILTER (WHERE coalesce((${compiled.rule.where}), false))` : 'count(*)'} AS VARCHAR) AS ${quoteIdentifier(`checked_${index}`)}`,
  ]);
  const columns = [
    'CAST(count(*) AS VARCHAR) AS rows_read',
    `CAST(count(*) FILTER (WHERE ${ERROR_FLAG}) AS VARCHAR) AS quarantined`,
    `CAST(count(*) FILTER (WHERE ${WARN_FLAG} AND NOT ${ERROR_FLAG}) AS VARCHAR) AS warned`,
    ...perRule,
  ];

  const [row = {}] = await task.session.queryText(`SELECT ${columns.join(', ')} FROM ${checked}`);
  const count = (name: string): number => Number(row[name] ?? '0');

  return {
    rowsRead: count('rows_read'),
    quarantined: count('quarantined'),
    warned: count('warned'),
    failed: task.rowRules.map((_, index) => count(`failed_${index}`)),
    checked: task.rowRules.map((_, index) => count(`checked_${index}`)),
  };
}

function sourceColumns(task: TableValidationTask): string {
  return task.table.columns.map((column) => quoteIdentifier(column.name)).join(', ');
}

async function writeSilver(task: TableValidationTask, checked: string): Promise<void> {
  const select = `SELECT ${sourceColumns(task)}, ${quoteLiteral(task.runId)} AS ${quoteIdentifier(`${RESERVED_COLUMN_PREFIX}run_id`)} FROM ${checked} WHERE NOT ${ERROR_FLAG}`;
  await task.session.run(`COPY (${select}) TO ${quoteLiteral(task.silverFile)} (FORMAT parquet, COMPRESSION zstd)`);
}

async function writeQuarantine(task: TableValidationTask, checked: string): Promise<void> {
  const failures = task.rowRules.map((compiled, index) => {
    const rule = describeRule(compiled.rule);
    const fields = [
      `rule_id := ${quoteLiteral(rule.ruleId)}`,
      `rule_type := ${quoteLiteral(rule.type)}`,
      `severity := ${quoteLiteral(rule.severity)}`,
      `column_name := ${rule.column === undefined ? 'NULL::VARCHAR' : quoteLiteral(rule.column)}`,
      `"value" := ${flagValue(index)}`,
      `message_de := ${quoteLiteral(rule.message.de)}`,
      `message_en := ${quoteLiteral(rule.message.en)}`,
    ];
    return `CASE WHEN ${flag(index)} THEN struct_pack(${fields.join(', ')}) END`;
  });
  const failureList =
    failures.length === 0
      ? `CAST([] AS ${FAILURE_STRUCT}[])`
      : `CAST(list_filter([${failures.join(', ')}], failure -> failure IS NOT NULL) AS ${FAILURE_STRUCT}[])`;

  const prefix = RESERVED_COLUMN_PREFIX;
  const select = [
    `${quoteLiteral(task.runId)} AS ${quoteIdentifier(`${prefix}run_id`)}`,
    `${quoteLiteral(task.table.name)} AS ${quoteIdentifier(`${prefix}table`)}`,
    `${keyJsonSql(task.table)} AS ${quoteIdentifier(`${prefix}key`)}`,
    `${failureList} AS ${quoteIdentifier(`${prefix}failures`)}`,
    sourceColumns(task),
  ].join(', ');

  await task.session.run(
    `COPY (SELECT ${select} FROM ${checked} WHERE ${ERROR_FLAG}) TO ${quoteLiteral(task.quarantineFile)} (FORMAT parquet, COMPRESSION zstd)`,
  );
}

/** The primary key as a JSON object of text values, e.g. `{"ORDER_ID":"4711"}`. */
function keyJsonSql(table: TableDescription): string {
  const pairs = table.primaryKey.map((name) => `${quoteLiteral(name)}, CAST(${quoteIdentifier(name)} AS VARCHAR)`);
  return `CAST(json_object(${pairs.join(', ')}) AS VARCHAR)`;
}

async function readSamples(task: TableValidationTask, checked: string, index: number): Promise<FailureSample[]> {
  const keys = task.table.primaryKey.map((name, position) => `CAST(${quoteIdentifier(name)} AS VARCHAR) AS ${quoteIdentifier(`k${position}`)}`);
  const order = task.table.primaryKey.map(quoteIdentifier).join(', ');
  const rows: TextRow[] = await task.session.queryText(
    `SELECT ${[...keys, `${flagValue(index)} AS sample_value`].join(', ')} FROM ${checked} WHERE ${flag(index)}${order ? ` ORDER BY ${order}` : ''} LIMIT ${SAMPLES_PER_RULE}`,
  );

  return rows.map((row) => ({
    key: Object.fromEntries(task.table.primaryKey.map((name, position) => [name, row[`k${position}`] ?? null])),
    value: row.sample_value ?? null,
  }));
}

/** The report's view of a rule: id, type, severity, checked column(s) and message. */
export function describeRule(rule: Rule): Pick<RuleResult, 'ruleId' | 'type' | 'severity' | 'column' | 'message'> {
  const columns = 'columns' in rule ? rule.columns.join(', ') : 'column' in rule ? rule.column : undefined;
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
