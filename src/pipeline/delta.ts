import path from 'node:path';

import type { TableConfig } from '../config/types.js';
import type { DuckdbSession } from '../engine/duckdb-session.js';
import { duckdbTypeOf } from '../engine/duckdb-types.js';
import { rowHashSql } from '../engine/row-hash.js';
import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import { AuroraError } from '../errors/aurora-error.js';
import type { LakeLayout } from '../lake/lake-layout.js';
import { resolvePartFiles, type PartFile, type SilverPartitioning } from '../lake/part-files.js';
import type { SnapshotManifest } from '../lake/snapshots.js';
import type { PartitionRange, Source, SourceTableRequest, TableDescription } from '../sources/types.js';
import type { DeltaState, TableResult } from './run-result.js';

/** The plan for reading one table in a delta run, made before any row moves. */
export interface DeltaPlan {
  /** Read only rows at or after `readFrom` in the watermark column; absent: read the whole table. */
  watermark?: { column: string; readFrom: string };
  /** The watermark's maximum before reading, recorded for the next run. */
  watermarkHigh: string | null;
  /** Compare all source keys with the previous snapshot in this run. */
  checkDeletes: boolean;
  /** Runs since the last key comparison, including this one when it does not compare. */
  runsSinceDeleteCheck: number;
  /** The previous snapshot's files of this table, absolute. */
  previous: PreviousTableFiles;
  /**
   * The watermark maximum dropped below the last run's. That is harmless when the newest rows
   * were deleted, and a fault when a row's watermark went backwards; the source keys decide.
   */
  droppedMaximum?: { column: string; previous: string; current: string };
}

/** A table's files in the published snapshot, and how its silver and quarantine are split into parts. */
export interface PreviousTableFiles {
  silverParts: PartFile[];
  /** The files of silverParts, for reading them all. */
  silver: string[];
  quarantineParts: PartFile[];
  /** The files of quarantineParts. */
  quarantine: string[];
  tombstones?: string;
  partitioning?: SilverPartitioning;
  rulesFingerprint?: string;
}

/** Lists a table's files in a published snapshot; undefined when the snapshot lacks the table. */
export async function previousTableFiles(
  snapshot: { folder: string; manifest: SnapshotManifest } | undefined,
  table: string,
): Promise<PreviousTableFiles | undefined> {
  const entry = snapshot?.manifest.tables.find((candidate) => candidate.table === table);
  if (!snapshot || !entry) {
    return undefined;
  }
  const silverParts = await resolvePartFiles(snapshot.folder, entry.silverFile);
  const quarantineParts = await resolvePartFiles(snapshot.folder, entry.quarantineFile);
  return {
    silverParts,
    silver: silverParts.map((part) => part.file),
    quarantineParts,
    quarantine: quarantineParts.map((part) => part.file),
    ...(entry.tombstoneFile ? { tombstones: path.join(snapshot.folder, entry.tombstoneFile) } : {}),
    ...(entry.silverPartitioning ? { partitioning: entry.silverPartitioning } : {}),
    ...(entry.rulesFingerprint ? { rulesFingerprint: entry.rulesFingerprint } : {}),
  };
}

/**
 * Plans the delta read of a table from the published run's state. The watermark is checked
 * first, because NULLs in it would hide rows from every later delta and a maximum below the
 * last one means the source's clock or data went backwards. Both stop the run before data moves.
 */
/** A plan for a table read in full that still needs the published files (tombstones). */
export async function fullReadPlan(config: TableConfig, previousSnapshot: { folder: string; manifest: SnapshotManifest } | undefined): Promise<DeltaPlan | undefined> {
  const previous = await previousTableFiles(previousSnapshot, config.name);
  return previous ? { watermarkHigh: null, checkDeletes: true, runsSinceDeleteCheck: 0, previous } : undefined;
}

export async function planDelta(
  config: TableConfig,
  request: SourceTableRequest,
  description: TableDescription,
  source: Source,
  session: DuckdbSession,
  previousResult: TableResult | undefined,
  previousSnapshot: { folder: string; manifest: SnapshotManifest } | undefined,
  detectDeletes: boolean,
): Promise<DeltaPlan | undefined> {
  const previous = await previousTableFiles(previousSnapshot, config.name);
  if (!previousResult || !previous) {
    return undefined;
  }

  const previousState = previousResult.delta;
  const runsSinceDeleteCheck = (previousState?.runsSinceDeleteCheck ?? 0) + 1;
  const plan: DeltaPlan = {
    watermarkHigh: null,
    checkDeletes: detectDeletes || runsSinceDeleteCheck >= config.deleteCheckEvery,
    runsSinceDeleteCheck,
    previous,
  };
  if (plan.checkDeletes) {
    plan.runsSinceDeleteCheck = 0;
  }

  const column = config.watermarkColumn;
  if (column === undefined) {
    return plan;
  }
  const duckdbType = checkWatermarkColumn(config, description);

  const stats = await source.columnStats(request, column);
  if (stats.nulls > 0) {
    throw new AuroraError('WATERMARK_HAS_NULLS', { table: config.name, column, rows: stats.nulls });
  }
  plan.watermarkHigh = stats.max;

  const previousHigh = previousState?.watermarkHigh ?? null;
  if (previousHigh === null) {
    // The last run recorded no maximum (the column was just configured): read everything once.
    return plan;
  }

  if (stats.max !== null && (await isBefore(session, stats.max, previousHigh, duckdbType))) {
    plan.droppedMaximum = { column, previous: previousHigh, current: stats.max };
    plan.checkDeletes = true;
    plan.runsSinceDeleteCheck = 0;
  }

  plan.watermark = { column, readFrom: await subtractLookback(session, previousHigh, duckdbType, config.lookbackSeconds) };
  return plan;
}

/**
 * Checks that the watermark column exists and, with a look-back, contains dates or times, and
 * returns its DuckDB type. Full loads check it too, so a wrong setting stops the full load
 * instead of the first delta after it.
 */
export function checkWatermarkColumn(config: TableConfig, description: TableDescription): string {
  const column = config.watermarkColumn ?? '';
  const columnType = description.columns.find((entry) => entry.name === column)?.type;
  if (!columnType) {
    throw new AuroraError('SOURCE_COLUMN_NOT_FOUND', {
      table: config.name,
      column,
      role: 'watermark_column',
      available: description.columns.map((entry) => entry.name),
    });
  }

  const duckdbType = duckdbTypeOf(columnType);
  if (config.lookbackSeconds > 0 && !/^(DATE|TIMESTAMP|TIMESTAMPTZ)$/.test(duckdbType)) {
    throw new AuroraError('LOOKBACK_NOT_A_TIME', { table: config.name, column, type: duckdbType });
  }
  return duckdbType;
}

async function isBefore(session: DuckdbSession, value: string, reference: string, duckdbType: string): Promise<boolean> {
  const [row] = await session.queryText(
    `SELECT CAST(CAST(${quoteLiteral(value)} AS ${duckdbType}) < CAST(${quoteLiteral(reference)} AS ${duckdbType}) AS VARCHAR) AS before`,
  );
  return row?.before === 'true';
}

/** Computes where to read from: the last maximum, minus the look-back for dates and times. */
async function subtractLookback(session: DuckdbSession, high: string, duckdbType: string, seconds: number): Promise<string> {
  if (seconds <= 0 || !/^(DATE|TIMESTAMP|TIMESTAMPTZ)$/.test(duckdbType)) {
    return high;
  }
  const [row] = await session.queryText(
    `SELECT CAST(CAST(${quoteLiteral(high)} AS ${duckdbType === 'DATE' ? 'TIMESTAMP' : duckdbType}) - INTERVAL (${Math.round(seconds)}) SECOND AS VARCHAR) AS read_from`,
  );
  return row?.read_from ?? high;
}

/** Builds the single partition a watermark delta reads: every row at or after `readFrom`. */
export function watermarkPartition(plan: DeltaPlan): PartitionRange[] | undefined {
  return plan.watermark ? [{ index: 0, column: plan.watermark.column, lower: plan.watermark.readFrom, includesNulls: false }] : undefined;
}

/** Builds the state a run records for the next delta. */
export function deltaState(
  plan: DeltaPlan | undefined,
  watermarkHigh: string | null,
  changedRows: number,
  deletedRows: number,
  incremental?: DeltaState['incremental'],
): DeltaState {
  return {
    watermarkHigh,
    ...(plan?.watermark ? { readFrom: plan.watermark.readFrom } : {}),
    changedRows,
    deletedRows,
    runsSinceDeleteCheck: plan?.runsSinceDeleteCheck ?? 0,
    ...(incremental ? { incremental } : {}),
  };
}

/** Returns the previous silver and quarantine files as two DuckDB file lists, since their columns differ. */
function previousFileList(plan: DeltaPlan): string[] {
  return [plan.previous.silver, plan.previous.quarantine].map((files) => `[${files.map(quoteLiteral).join(', ')}]`);
}

/** Builds SQL that counts the rows of each key of `rows` (a relation or subquery) as `copies`. */
export function keyCopiesSql(primaryKey: readonly string[], rows: string): string {
  const keys = primaryKey.map(quoteIdentifier).join(', ');
  return `SELECT ${keys}, count(*) AS copies FROM ${rows} GROUP BY ALL`;
}

/** Builds the join condition on the primary key; NULL keys match each other, as a merge by key needs. */
export function keyJoin(primaryKey: readonly string[], left: string, right: string): string {
  return primaryKey.map((name) => `${left}.${quoteIdentifier(name)} IS NOT DISTINCT FROM ${right}.${quoteIdentifier(name)}`).join(' AND ');
}

function columnList(description: TableDescription, qualifier: string): string {
  return description.columns.map((column) => `${qualifier}.${quoteIdentifier(column.name)}`).join(', ');
}

/**
 * Builds the relation a delta validates: the previous snapshot's rows (silver and quarantine, so a
 * quarantined row that comes back fixed leaves quarantine) without those the delta replaces or
 * the source deleted, plus the delta's rows. Each row gets a row id like a bronze row, so
 * validation can name failing rows: previous rows in the high partition numbers.
 */
export function mergedRelationSql(
  description: TableDescription,
  plan: DeltaPlan,
  deltaFiles: readonly string[],
  deletedKeys: string | undefined,
  rowIdColumn: string,
): string {
  const rowId = quoteIdentifier(rowIdColumn);
  const keys = description.primaryKey;
  const deltaRows = deltaFiles.map(
    (file, index) =>
      `SELECT ${columnList(description, 'd')}, CAST(${index} AS BIGINT) * ${2 ** 40} + d.file_row_number AS ${rowId} FROM read_parquet(${quoteLiteral(file)}, file_row_number = true) d`,
  );
  const replaced = deltaFiles.map((file) => `SELECT ${keys.map(quoteIdentifier).join(', ')} FROM read_parquet(${quoteLiteral(file)})`).join(' UNION ALL ');

  const previousRows = [...plan.previous.silver, ...plan.previous.quarantine].map((file, offset) => {
    const deletedFilter = deletedKeys ? ` ANTI JOIN read_parquet(${quoteLiteral(deletedKeys)}) x ON ${keyJoin(keys, 'p', 'x')}` : '';
    return `SELECT ${columnList(description, 'p')}, CAST(${1_000_000 + offset} AS BIGINT) * ${2 ** 40} + p.file_row_number AS ${rowId} FROM read_parquet(${quoteLiteral(file)}, file_row_number = true) p ANTI JOIN (${replaced}) r ON ${keyJoin(keys, 'p', 'r')}${deletedFilter}`;
  });

  return [...previousRows, ...deltaRows].join(' UNION ALL ');
}

/** The changes of a table read in full against the published snapshot. */
export interface FullReadChanges {
  /** Source rows of every key whose rows differ from the published ones, in bronze columns. */
  changedFile: string;
  changedRows: number;
  /** Published keys the source no longer has, written when the caller gives a file for them. */
  deletedKeysFile?: string;
}

/**
 * Compares a table read in full with the published snapshot by key and row hash, so a delta
 * of a table without a watermark checks and rewrites only what changed. A key changed when
 * its source rows and published rows (silver and quarantine) differ in number or in the hash
 * over all source columns. All source rows of such a key are written, so that a key the
 * source duplicated keeps every copy.
 */
export async function compareFullRead(
  session: DuckdbSession,
  description: TableDescription,
  plan: DeltaPlan,
  bronzeFiles: readonly string[],
  target: { changedFile: string; deletedKeysFile?: string },
): Promise<FullReadChanges> {
  const keys = description.primaryKey.map(quoteIdentifier).join(', ');
  const columns = description.columns.map((column) => quoteIdentifier(column.name)).join(', ');
  const source = `read_parquet([${bronzeFiles.map(quoteLiteral).join(', ')}])`;
  const published = previousFileList(plan)
    .map((files) => `SELECT ${columns} FROM read_parquet(${files})`)
    .join(' UNION ALL ');
  // The same 64-bit hash that reconciliation sums per key range.
  const hashed = (rows: string): string => `SELECT ${keys}, ${rowHashSql(description.columns)} AS row_hash FROM (${rows})`;

  const changedKeys = quoteIdentifier(`_aurora_changed_keys_${description.name}`);
  await session.run(
    `CREATE OR REPLACE TEMP TABLE ${changedKeys} AS SELECT DISTINCT ${keys} FROM ((${hashed(`SELECT ${columns} FROM ${source}`)}) EXCEPT ALL (${hashed(published)}))`,
  );
  const changedRows = await session.runCounting(
    `COPY (SELECT b.* FROM ${source} b SEMI JOIN ${changedKeys} k ON ${keyJoin(description.primaryKey, 'b', 'k')}) TO ${quoteLiteral(target.changedFile)} (FORMAT parquet)`,
  );
  await session.run(`DROP TABLE ${changedKeys}`);

  if (target.deletedKeysFile) {
    await writeDeletedKeys(session, description, plan, bronzeFiles, target.deletedKeysFile);
  }
  return { changedFile: target.changedFile, changedRows, ...(target.deletedKeysFile ? { deletedKeysFile: target.deletedKeysFile } : {}) };
}

/**
 * Writes the keys of the previous snapshot that the source no longer has. `sourceFiles`
 * contain every current source key: a keys-only extract, or the bronze files of a full read.
 */
export async function writeDeletedKeys(
  session: DuckdbSession,
  description: TableDescription,
  plan: DeltaPlan,
  sourceFiles: readonly string[],
  target: string,
): Promise<number> {
  const keys = description.primaryKey.map(quoteIdentifier).join(', ');
  const previous = previousFileList(plan).map((files) => `SELECT ${keys} FROM read_parquet(${files})`).join(' UNION ALL ');
  const select = `SELECT p.* FROM (${previous}) p ANTI JOIN (SELECT ${keys} FROM read_parquet([${sourceFiles.map(quoteLiteral).join(', ')}])) s ON ${keyJoin(description.primaryKey, 'p', 's')}`;
  return session.runCounting(`COPY (${select}) TO ${quoteLiteral(target)} (FORMAT parquet)`);
}

/**
 * Writes the tombstones of a snapshot: the earlier tombstones whose key is not live again,
 * plus the last version of every row deleted in this run, with the run and time of deletion.
 */
export async function writeTombstones(
  session: DuckdbSession,
  description: TableDescription,
  plan: DeltaPlan,
  deletedKeys: string | undefined,
  liveRelation: string,
  runId: string,
  deletedAt: string,
  target: string,
): Promise<number> {
  const columns = columnList(description, 'p');
  const parts: string[] = [];
  if (plan.previous.tombstones) {
    // A key that is back in the source is live again and no longer a tombstone.
    parts.push(
      `SELECT t.* FROM read_parquet(${quoteLiteral(plan.previous.tombstones)}) t ANTI JOIN (SELECT ${description.primaryKey.map(quoteIdentifier).join(', ')} FROM ${liveRelation}) l ON ${keyJoin(description.primaryKey, 't', 'l')}`,
    );
  }
  if (deletedKeys) {
    for (const files of previousFileList(plan)) {
      parts.push(
        `SELECT ${columns}, ${quoteLiteral(runId)} AS _aurora_deleted_by, CAST(${quoteLiteral(deletedAt)} AS TIMESTAMPTZ) AS _aurora_deleted_at FROM read_parquet(${files}) p SEMI JOIN read_parquet(${quoteLiteral(deletedKeys)}) x ON ${keyJoin(description.primaryKey, 'p', 'x')}`,
      );
    }
  }
  if (parts.length === 0) {
    parts.push(
      `SELECT ${description.columns.map((column) => `CAST(NULL AS ${duckdbTypeOf(column.type)}) AS ${quoteIdentifier(column.name)}`).join(', ')}, CAST(NULL AS VARCHAR) AS _aurora_deleted_by, CAST(NULL AS TIMESTAMPTZ) AS _aurora_deleted_at WHERE false`,
    );
  }
  return session.runCounting(`COPY (${parts.join(' UNION ALL BY NAME ')}) TO ${quoteLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`);
}

/** Returns the temporary file for the keys-only extract of a delete check. */
export function sourceKeysFile(layout: LakeLayout, runId: string, table: string): string {
  return path.join(layout.runTmpFolder(runId), `${table}-keys.parquet`);
}

/**
 * Decides whether a dropped watermark maximum means a row went backwards: a published row
 * newer than the current maximum whose key the source still has, as many times as it was
 * published. Rows that were deleted explain the drop and are not a fault.
 */
export async function checkDroppedMaximum(
  session: DuckdbSession,
  description: TableDescription,
  plan: DeltaPlan,
  sourceKeys: string,
): Promise<void> {
  const dropped = plan.droppedMaximum;
  const column = description.columns.find((entry) => entry.name === dropped?.column);
  if (!dropped || !column) {
    return;
  }

  const keys = description.primaryKey.map(quoteIdentifier).join(', ');
  const watermark = quoteIdentifier(column.name);
  const previous = previousFileList(plan)
    .map((files) => `SELECT ${keys}, ${watermark} FROM read_parquet(${files})`)
    .join(' UNION ALL ');
  // A key counts only while the source still has as many rows of it as were published: a
  // duplicated key that lost the newer of its rows was deleted from, not set back.
  const newer = `SELECT DISTINCT ${keys} FROM (${previous}) WHERE ${watermark} > CAST(${quoteLiteral(dropped.current)} AS ${duckdbTypeOf(column.type)})`;
  const [row] = await session.queryText(
    `SELECT CAST(count(*) AS VARCHAR) AS n FROM (${newer}) n
       JOIN (${keyCopiesSql(description.primaryKey, `(${previous})`)}) p ON ${keyJoin(description.primaryKey, 'n', 'p')}
       JOIN (${keyCopiesSql(description.primaryKey, `read_parquet(${quoteLiteral(sourceKeys)})`)}) s ON ${keyJoin(description.primaryKey, 'n', 's')}
      WHERE s.copies >= p.copies`,
  );
  if (Number(row?.n ?? 0) > 0) {
    throw new AuroraError('WATERMARK_WENT_BACKWARDS', {
      table: description.name,
      column: column.name,
      previous: dropped.previous,
      current: dropped.current,
    });
  }
}
