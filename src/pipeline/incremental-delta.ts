import { createHash } from 'node:crypto';

import type { DuckdbSession } from '../engine/duckdb-session.js';
import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import { partNumberSql, type PartFile, type SilverPartitioning } from '../lake/part-files.js';
import { sameColumnSet, type CompiledRowRule } from '../quality/compile-rules.js';
import type { TableDescription } from '../sources/types.js';
import { keyJoin } from './delta.js';

/**
 * The work of an incremental delta on one table: the rows that go through the rules, the
 * published rows carried into rewritten parts, and the part files linked unchanged.
 */
export interface IncrementalWork {
  /** SQL of the rows to check, with a row id column. */
  checkedRows: string;
  /** Silver rows keep their `_aurora_run_id`. */
  silver: KeptParts;
  /** Quarantined rows keep their recorded failures. */
  quarantine: KeptParts;
  /** Published rows (silver or quarantine) checked again because a changed row can change their result. */
  affectedRows: number;
}

/** The part of a published silver or quarantine folder that an incremental delta keeps. */
export interface KeptParts {
  /** SQL of the published rows that stay in the parts this run rewrites; undefined when no part is rewritten. */
  carriedRows?: string;
  /** Published files that no changed or affected key falls into; linked into the new snapshot. */
  unchangedFiles: string[];
}

/** A part with this many files is rewritten into one by the next delta. */
const MAX_FILES_PER_PART = 4;

/** The published files and this run's relation of a table that a relationship rule refers to. */
export interface ReferencedTable {
  relation: string;
  previousFiles: string[];
}

export interface IncrementalInput {
  session: DuckdbSession;
  description: TableDescription;
  rowRules: readonly CompiledRowRule[];
  rowIdColumn: string;
  partitioning: SilverPartitioning;
  deltaFiles: readonly string[];
  /** Keys the source deleted that this run removes; undefined when none are removed. */
  deletedKeysFile?: string;
  previousParts: readonly PartFile[];
  previousQuarantineParts: readonly PartFile[];
  /** Tables named by this table's relationship rules, by name. */
  referencedTables: ReadonlyMap<string, ReferencedTable>;
}

/**
 * Computes a fingerprint of a table's row rules. An incremental delta keeps the published
 * results of unchanged rows, which is only right while the rules that produced them are the same.
 */
export function rowRulesFingerprint(rowRules: readonly CompiledRowRule[]): string {
  // The messages count too, because quarantined rows that are not checked again keep theirs.
  const material = rowRules.map((compiled) => [
    compiled.rule.id,
    compiled.rule.severity,
    compiled.failedSql,
    compiled.valueSql,
    compiled.rule.where ?? null,
    compiled.rule.message,
  ]);
  return createHash('sha256').update(JSON.stringify(material)).digest('hex');
}

/**
 * Works out the rows an incremental delta must check: the changed rows, and published rows
 * (clean or quarantined) whose result a changed row can change. Such a row shares a value of a
 * `unique` rule with a changed row (new or old version), or its `relationship` rule points to
 * a key that appeared in or vanished from the referenced table in this run. Other quarantined
 * rows keep their recorded failures, because their own values did not change.
 */
export async function planIncrementalWork(input: IncrementalInput): Promise<IncrementalWork> {
  const { session, description } = input;
  const suffix = createHash('sha256').update(description.name).digest('hex').slice(0, 12);
  const leaving = quoteIdentifier(`_aurora_leaving_${suffix}`);
  const affected = quoteIdentifier(`_aurora_affected_${suffix}`);
  const keyColumns = description.primaryKey.map(quoteIdentifier).join(', ');
  const silverFiles = input.previousParts.map((part) => part.file);
  const quarantineFiles = input.previousQuarantineParts.map((part) => part.file);

  // Keys whose published row this run replaces or removes.
  const leavingSources = [
    `SELECT ${keyColumns} FROM read_parquet(${fileList(input.deltaFiles)})`,
    ...(input.deletedKeysFile ? [`SELECT ${keyColumns} FROM read_parquet(${quoteLiteral(input.deletedKeysFile)})`] : []),
  ];
  await session.run(`CREATE OR REPLACE TEMP TABLE ${leaving} AS ${leavingSources.join(' UNION ')}`);

  // Each condition is its own semi join, so DuckDB can skip row groups outside the range of
  // the changed values instead of testing every published row against all conditions.
  const leavingParts = await partsOfKeys(session, leaving, input.partitioning);
  const filesOfLeavingKeys = [filesOfParts(input.previousParts, leavingParts), filesOfParts(input.previousQuarantineParts, leavingParts)];
  const conditions = await affectedConditions(input, leaving, filesOfLeavingKeys);
  const pKeys = description.primaryKey.map((name) => `p.${quoteIdentifier(name)}`).join(', ');
  const staying = (condition: string): string[] =>
    [silverFiles, quarantineFiles].map(fileList).map(
      (files) => `SELECT ${pKeys} FROM read_parquet(${files}) p ${condition} ANTI JOIN ${leaving} l ON ${keyJoin(description.primaryKey, 'p', 'l')}`,
    );
  await session.run(
    conditions.length === 0
      ? `CREATE OR REPLACE TEMP TABLE ${affected} AS SELECT ${keyColumns} FROM ${leaving} WHERE false`
      : `CREATE OR REPLACE TEMP TABLE ${affected} AS ${conditions.flatMap(staying).join(' UNION ')}`,
  );

  const outgoing = `(SELECT ${keyColumns} FROM ${leaving} UNION ALL SELECT ${keyColumns} FROM ${affected})`;
  const touched = new Set([...(await partsOfKeys(session, outgoing, input.partitioning)), ...crowdedParts(input.previousParts)]);
  const rewritten = filesOfParts(input.previousParts, touched);
  const rewrittenQuarantine = filesOfParts(input.previousQuarantineParts, touched);
  const unchanged = (parts: readonly PartFile[]): string[] => parts.filter((part) => part.part !== undefined && !touched.has(part.part)).map((part) => part.file);

  const [affectedCount] = await session.queryText(`SELECT CAST(count(*) AS VARCHAR) AS n FROM ${affected}`);
  const columns = (qualifier: string): string => description.columns.map((entry) => `${qualifier}.${quoteIdentifier(entry.name)}`).join(', ');
  const rowId = quoteIdentifier(input.rowIdColumn);

  const checked = [
    ...input.deltaFiles.map(
      (file, index) => `SELECT ${columns('d')}, CAST(${index} AS BIGINT) * ${2 ** 40} + d.file_row_number AS ${rowId} FROM read_parquet(${quoteLiteral(file)}, file_row_number = true) d`,
    ),
    ...rewrittenQuarantine.map(
      (file, index) =>
        `SELECT ${columns('q')}, CAST(${1_000_000 + index} AS BIGINT) * ${2 ** 40} + q.file_row_number AS ${rowId} FROM read_parquet(${quoteLiteral(file)}, file_row_number = true) q SEMI JOIN ${affected} a ON ${keyJoin(description.primaryKey, 'q', 'a')}`,
    ),
    ...rewritten.map(
      (file, index) =>
        `SELECT ${columns('p')}, CAST(${2_000_000 + index} AS BIGINT) * ${2 ** 40} + p.file_row_number AS ${rowId} FROM read_parquet(${quoteLiteral(file)}, file_row_number = true) p SEMI JOIN ${affected} a ON ${keyJoin(description.primaryKey, 'p', 'a')}`,
    ),
  ];

  const runIdColumn = quoteIdentifier('_aurora_run_id');
  const carried = (files: readonly string[], select: string): { carriedRows?: string } =>
    files.length > 0 ? { carriedRows: `SELECT ${select} FROM read_parquet(${fileList(files)}) p ANTI JOIN ${outgoing} x ON ${keyJoin(description.primaryKey, 'p', 'x')}` } : {};
  return {
    checkedRows: checked.join(' UNION ALL '),
    silver: { ...carried(rewritten, `${columns('p')}, p.${runIdColumn}`), unchangedFiles: unchanged(input.previousParts) },
    quarantine: { ...carried(rewrittenQuarantine, 'p.*'), unchangedFiles: unchanged(input.previousQuarantineParts) },
    affectedRows: Number(affectedCount?.n ?? 0),
  };
}

/** Returns the silver parts that the keys of `relation` fall into. */
async function partsOfKeys(session: DuckdbSession, relation: string, partitioning: SilverPartitioning): Promise<Set<bigint>> {
  const column = quoteIdentifier(partitioning.column);
  const rows = await session.queryText(
    `SELECT DISTINCT CAST(${partNumberSql(column, partitioning.width)} AS VARCHAR) AS part FROM ${relation} WHERE ${column} IS NOT NULL`,
  );
  return new Set(rows.flatMap((row) => (row.part ? [BigInt(row.part)] : [])));
}

/** Returns the files of the given parts, and every file that covers no single part. */
function filesOfParts(parts: readonly PartFile[], partNumbers: ReadonlySet<bigint>): string[] {
  return parts.filter((part) => part.part === undefined || partNumbers.has(part.part)).map((part) => part.file);
}

/**
 * Returns the parts that have gathered several files. A quarantined row that passes again lands
 * in a new file of its part while the part's published file is kept, so a part can grow files.
 * Once it has MAX_FILES_PER_PART, the next delta rewrites it into one.
 */
function crowdedParts(parts: readonly PartFile[]): bigint[] {
  const filesPerPart = new Map<bigint, number>();
  for (const { part } of parts) {
    if (part !== undefined) {
      filesPerPart.set(part, (filesPerPart.get(part) ?? 0) + 1);
    }
  }
  return [...filesPerPart].filter(([, count]) => count >= MAX_FILES_PER_PART).map(([part]) => part);
}

/** Builds the conditions that select published rows whose rule results a changed row can change. */
async function affectedConditions(input: IncrementalInput, leaving: string, filesOfLeavingKeys: readonly (readonly string[])[]): Promise<string[]> {
  const { description } = input;
  const conditions: string[] = [];

  for (const [index, compiled] of input.rowRules.entries()) {
    const rule = compiled.rule;
    // A published row that shares its primary key with a change is replaced, not kept, so the
    // primary key's own uniqueness rule cannot affect a kept row.
    const onPrimaryKey = rule.type === 'unique' && sameColumnSet(rule.columns, description.primaryKey);
    if (rule.type === 'unique' && !onPrimaryKey) {
      // Both versions matter: the new value can create a duplicate, the old one can end one.
      // One column is compared as itself, which lets the join's value range skip row groups.
      const [single] = rule.columns;
      const value = (qualifier: string): string => (rule.columns.length === 1 && single !== undefined ? `${qualifier}.${quoteIdentifier(single)}` : structOf(rule.columns, qualifier));
      const changedValues = [
        ...input.deltaFiles.map((file) => `SELECT ${value('d')} AS v FROM read_parquet(${quoteLiteral(file)}) d`),
        ...filesOfLeavingKeys.filter((files) => files.length > 0).map(
          (files) => `SELECT ${value('o')} AS v FROM read_parquet(${fileList(files)}) o SEMI JOIN ${leaving} l ON ${keyJoin(description.primaryKey, 'o', 'l')}`,
        ),
      ];
      // DuckDB compares structs with NULL fields as equal, and a NULL never makes a duplicate.
      conditions.push(`SEMI JOIN (${changedValues.join(' UNION ')}) c ON ${allNotNull(rule.columns, 'p')} AND ${value('p')} = c.v`);
    }

    if (rule.type === 'relationship') {
      const referenced = input.referencedTables.get(rule.references.table);
      if (!referenced) {
        // The caller only plans incremental work when every referenced table is known.
        throw new Error(`incremental delta of ${description.name}: referenced table ${rule.references.table} is unknown`);
      }
      const difference = quoteIdentifier(`_aurora_keys_changed_${createHash('sha256').update(`${description.name}/${index}`).digest('hex').slice(0, 12)}`);
      const referencedKey = (qualifier: string): string => textStructOf(rule.references.columns, qualifier);
      // Silver and quarantine files differ in their Aurora columns, so they are matched by name.
      const before = `SELECT ${referencedKey('b')} AS v FROM read_parquet(${fileList(referenced.previousFiles)}, union_by_name = true) b`;
      const after = `SELECT ${referencedKey('a')} AS v FROM ${referenced.relation} a`;
      await input.session.run(`CREATE OR REPLACE TEMP TABLE ${difference} AS (${before} EXCEPT ${after}) UNION (${after} EXCEPT ${before})`);
      // Most runs leave the referenced keys as they were; then no published row is affected.
      const [differing] = await input.session.queryText(`SELECT CAST(count(*) AS VARCHAR) AS n FROM ${difference}`);
      if (Number(differing?.n ?? 0) > 0) {
        conditions.push(`SEMI JOIN ${difference} c ON ${allNotNull(rule.columns, 'p')} AND ${textStructOf(rule.columns, 'p')} = c.v`);
      }
    }
  }
  return conditions;
}

function allNotNull(columns: readonly string[], qualifier: string): string {
  return columns.map((name) => `${qualifier}.${quoteIdentifier(name)} IS NOT NULL`).join(' AND ');
}

function structOf(columns: readonly string[], qualifier: string): string {
  return `struct_pack(${columns.map((name, index) => `${quoteIdentifier(`k${index}`)} := ${qualifier}.${quoteIdentifier(name)}`).join(', ')})`;
}

/** Keys compared as text, as the relationship rule does when the two sides' types differ. */
function textStructOf(columns: readonly string[], qualifier: string): string {
  return `struct_pack(${columns.map((name, index) => `${quoteIdentifier(`k${index}`)} := CAST(${qualifier}.${quoteIdentifier(name)} AS VARCHAR)`).join(', ')})`;
}

function fileList(files: readonly string[]): string {
  return `[${files.map(quoteLiteral).join(', ')}]`;
}
