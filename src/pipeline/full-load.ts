import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

import { redactSecrets } from '../config/environment.js';
import type { AuroraConfig, TableConfig } from '../config/types.js';
import { writeBronzePartition } from '../engine/bronze-writer.js';
import { DuckdbSession } from '../engine/duckdb-session.js';
import { duckdbTypeOf } from '../engine/duckdb-types.js';
import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import { AuroraError, describeCause, isAuroraError } from '../errors/aurora-error.js';
import { writeFileAtomically } from '../lake/atomic-file.js';
import { ensureLakeWritable, lakeError } from '../lake/lake-access.js';
import { LakeLayout } from '../lake/lake-layout.js';
import { LakeLock } from '../lake/lake-lock.js';
import { applyRetention } from '../lake/retention.js';
import { choosePartitioning, quarantineFolder, quarantineGlob, silverFolder, silverGlob, type SilverPartitioning } from '../lake/part-files.js';
import { readPublishedSnapshot, removeAbandonedSnapshots, SnapshotBuilder, type SnapshotManifest } from '../lake/snapshots.js';
import { compileRuleSet, sameColumnSet, type CompileContext, type CompiledRowRule, type CompiledTableRule } from '../quality/compile-rules.js';
import { buildGoldModels } from '../gold/build-models.js';
import { loadModels, type SilverTableColumns } from '../gold/load-models.js';
import { loadRuleSets } from '../quality/load-rules.js';
import { withPrimaryKeyRules } from '../quality/primary-key-rules.js';
import { RESERVED_COLUMN_PREFIX, ROW_ID_COLUMN, validateTable } from '../quality/validate-table.js';
import { openRunLog } from '../logging/run-log.js';
import { writeQualityReport } from '../reports/write-report.js';
import { createSource, describeSource } from '../sources/create-source.js';
import type { PartitionRange, Source, SourceTableRequest, TableDescription } from '../sources/types.js';
import { checkDroppedMaximum, checkWatermarkColumn, compareFullRead, deltaState, fullReadPlan, keyCopiesSql, keyJoin, mergedRelationSql, planDelta, sourceKeysFile, watermarkPartition, writeDeletedKeys, writeTombstones, type DeltaPlan } from './delta.js';
import type { PipelineEventListener } from './events.js';
import { planIncrementalWork, rowRulesFingerprint, type IncrementalWork, type ReferencedTable } from './incremental-delta.js';
import { newRunId } from './run-id.js';
import {
  adoptFinishedPartitions,
  clearInProgress,
  deploymentFingerprint,
  readInProgress,
  removeKilledRunBronze,
  tableSignature,
  writeInProgress,
} from './resume.js';
import type { DeltaState, RunResult, SchemaChange, TableResult } from './run-result.js';
import { diffSchemas, readPublishedRun, schemaOf } from './schema-changes.js';
import { runWithConcurrency } from './task-pool.js';

export interface FullLoadOptions {
  config: AuroraConfig;
  /** Take over finished partitions of a killed run (default true); false starts over. */
  resume?: boolean;
  /** `delta` reads only what changed since the published run and merges it (default `full`). */
  mode?: 'full' | 'delta';
  /** Delta runs: compare all source keys in this run, regardless of `delete_check_every`. */
  detectDeletes?: boolean;
  /** Overrides the config's parallelism (the CLI's --parallel). */
  parallelism?: number;
  onEvent?: PipelineEventListener;
}

/** The end of a run: its record, the error that ended it (if any) and where the report is. */
export interface RunOutcome {
  run: RunResult;
  error?: AuroraError;
  /** Folder holding report.de.html, report.en.html and report.json; absent if the lake was unusable. */
  reportFolder?: string;
}

/** One table of a run: its config, the source's description of it, and its compiled rules. */
interface PlannedTable {
  config: TableConfig;
  request: SourceTableRequest;
  description: TableDescription;
  relation: string;
  partitions: PartitionRange[];
  rowRules: CompiledRowRule[];
  tableRules: CompiledTableRule[];
  maxQuarantineRatio?: number;
  bronzeFiles: string[];
  extractMs: number;
  /** Column changes since the published run that the table's `evolve` policy accepted. */
  schemaChanges?: SchemaChange[];
  /** Rows this run read from the source (partition sums). */
  extractedRows: number;
  /** Delta runs: how the table is read and merged; absent for full loads and new tables. */
  deltaPlan?: DeltaPlan;
  /** The watermark column's maximum before reading, for the next delta. */
  watermarkHigh: string | null;
  /** Delta runs: keys of the previous snapshot that the source no longer has. */
  deletedKeysFile?: string;
  deletedRows: number;
  /** Watermark deltas: every current source key (key columns only), once this run has read them. */
  sourceKeysFile?: string;
  /** The key ranges of the silver part files; undefined writes one file. */
  silverPartitioning?: SilverPartitioning;
  /** Delta runs that check only changed and affected rows; undefined checks the whole relation. */
  incremental?: IncrementalWork;
  /** Compiles the row rules again for the rows an incremental delta checks (see CompileContext.uniqueCandidates). */
  compileForCheckedRows: (checkedRelation: string) => Promise<CompiledRowRule[]>;
  /** Fingerprint of the row rules as declared, recorded in the snapshot. */
  rulesFingerprint: string;
}

/**
 * Runs a full load: every configured table is read from the source in partitions, written to
 * bronze, checked against its rules and split into silver and quarantine, and the new snapshot
 * is published as a whole. Everything that can be checked without moving data (config, lake,
 * source tables and columns, rules) is checked first.
 */
export async function runFullLoad(options: FullLoadOptions): Promise<RunOutcome> {
  const { config } = options;
  const startedAt = new Date();
  const runId = newRunId(startedAt);
  const layout = new LakeLayout(config.lake);
  const parallelism = options.parallelism ?? config.parallelism;
  const notify: PipelineEventListener = options.onEvent ?? (() => undefined);

  const run: RunResult = {
    runId,
    mode: options.mode ?? 'full',
    status: 'failed',
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    durationMs: 0,
    configFile: config.file,
    source: { kind: config.source.type, description: redactSecrets(describeSource(config.source), config.secrets) },
    tables: [],
    totals: { rowsRead: 0, silverRows: 0, quarantinedRows: 0, quarantineRatio: 0 },
  };

  try {
    await ensureLakeWritable(layout.root);
  } catch (error) {
    return { run: finish(run, error, config.secrets), error: toAuroraError(error) };
  }

  const lock = await LakeLock.acquire(layout.root).catch((error: unknown) => error);
  if (!(lock instanceof LakeLock)) {
    return { run: finish(run, lock, config.secrets), error: toAuroraError(lock) };
  }

  const log = openRunLog(layout.root, runId, config.secrets);
  const emit: PipelineEventListener = (event) => {
    log.event(event);
    notify(event);
  };
  const snapshot = new SnapshotBuilder(layout, runId);
  const tmpFolder = layout.runTmpFolder(runId);
  let source: Source | undefined;
  let session: DuckdbSession | undefined;

  try {
    await removeAbandonedSnapshots(layout, runId);
    await rm(layout.tmpFolder, { recursive: true, force: true });
    await mkdir(tmpFolder, { recursive: true });

    source = await createSource(config.source);
    session = await DuckdbSession.open({
      threads: parallelism,
      memoryLimit: '256MB',
      tempDirectory: path.join(tmpFolder, 'duckdb'),
    });

    const tables = await planTables(config, source, session, run.mode, startedAt);
    const models = config.models ? await loadModels(config.models, silverColumnsOf(tables)) : [];
    const published = await readPublishedRun(layout);
    const rejectedChanges: { table: string; changes: SchemaChange[] }[] = [];
    for (const table of tables) {
      table.schemaChanges = schemaChangesOf(table, published);
      if (table.schemaChanges && table.schemaChanges.length > 0 && table.config.schemaChanges === 'fail') {
        rejectedChanges.push({ table: table.config.name, changes: table.schemaChanges });
      }
    }
    if (published && rejectedChanges.length > 0) {
      throw new AuroraError('SCHEMA_CHANGED', { previousRun: published.runId, tables: rejectedChanges });
    }
    if (run.mode === 'delta') {
      await planDeltaReads(tables, source, session, layout, published, runId, options.detectDeletes ?? false);
    } else {
      await recordWatermarks(tables, source);
      await keepTombstonesOfFullReads(tables, layout);
    }
    await planFullReads(tables, source, layout, runId);
    emit({
      type: 'run-started',
      runId,
      mode: run.mode,
      tables: tables.map((table) => ({
        table: table.config.name,
        partitions: table.partitions.length,
        rowsExpected: table.description.rowCount,
      })),
    });

    const resumable = options.resume !== false && run.mode === 'full';
    const adopted = resumable ? await takeOverKilledRun(layout, config, tables, runId) : new Map<string, Set<number>>();
    await extractTables(tables, source, session, layout, runId, parallelism, emit, adopted);
    const unsafeMerges = await findUnsafeMerges(tables, source, session, layout, runId);
    if (unsafeMerges.length > 0) {
      for (const table of unsafeMerges) {
        await replanFullRead(table, source, layout, runId);
      }
      await extractTables(unsafeMerges, source, session, layout, runId, parallelism, emit, new Map());
    }
    await findDeletedKeys(tables, source, session, layout, runId);
    await source.close();
    source = undefined;

    await snapshot.prepare();
    const gateErrors: AuroraError[] = [];
    for (const table of tables) {
      await session.run(`DROP TABLE IF EXISTS ${table.relation}`);
      await session.run(`CREATE VIEW ${table.relation} AS ${relationSql(table)}`);
    }
    for (const table of tables) {
      await planSilverWrite(table, tables, session, run.mode, tmpFolder);
    }
    for (const table of tables) {
      emit({ type: 'validation-started', table: table.config.name });
      const result = await validatePlannedTable(table, session, snapshot, runId, gateErrors);
      run.tables.push(result);
      emit({ type: 'table-validated', table: table.config.name, result });
    }

    const [firstGateError] = gateErrors;
    if (firstGateError) {
      throw firstGateError;
    }

    const tombstoned = new Set<string>();
    for (const table of tables) {
      if (table.deltaPlan && table.config.deletes === 'tombstone') {
        await writeTombstones(
          session,
          table.description,
          table.deltaPlan,
          table.deletedKeysFile,
          table.relation,
          runId,
          startedAt.toISOString(),
          snapshot.fileFor('tombstones', table.config.name),
        );
        tombstoned.add(table.config.name);
      }
    }

    const silverFiles = new Map(tables.map((table) => [table.config.name, path.join(snapshot.folder, silverGlob(table.config.name))]));
    const gold = models.length > 0 ? await buildGoldModels(session, models, silverFiles, path.join(snapshot.folder, 'gold')) : [];
    run.gold = gold.map((entry) => ({ model: entry.model, rows: entry.rows, durationMs: Math.round(entry.ms) }));

    const silverFacts = new Map(
      tables.map((table) => [
        table.config.name,
        {
          ...(table.silverPartitioning ? { silverPartitioning: table.silverPartitioning } : {}),
          rulesFingerprint: table.rulesFingerprint,
        },
      ]),
    );

    run.status = 'succeeded';
    finish(run, undefined, config.secrets);
    const pointer = await snapshot.publish(
      run.tables.map(
        (table): SnapshotManifest['tables'][number] => ({
          table: table.table,
          silverFile: silverGlob(table.table),
          ...silverFacts.get(table.table),
          quarantineFile: quarantineGlob(table.table),
          ...(tombstoned.has(table.table) ? { tombstoneFile: path.join('tombstones', `${table.table}.parquet`) } : {}),
          silverRows: table.silverRows,
          quarantinedRows: table.quarantinedRows,
        }),
      ),
      () => writeRunRecord(run, layout),
      gold.map((entry) => ({ model: entry.model, file: path.join('gold', `${entry.model}.parquet`), rows: entry.rows })),
    );
    emit({ type: 'published', runId, snapshot: pointer.snapshot });
    log.finished(run.status, run.durationMs);

    // The snapshot is live now; what follows must not turn the run into a failed one.
    const reportFolder = await writeQualityReport(run, layout.reportFolder(runId))
      .then(() => layout.reportFolder(runId))
      .catch((error: unknown) => {
        log.failed('REPORT_NOT_WRITTEN', describeCause(error));
        return undefined;
      });
    await applyRetention(layout, config.retentionDays)
      .then((removed) => removed.length > 0 && log.retention(removed))
      .catch((error: unknown) => log.failed('RETENTION_FAILED', describeCause(error)));
    await clearInProgress(layout);
    return { run, ...(reportFolder ? { reportFolder } : {}) };
  } catch (error) {
    const failure = toAuroraError(error, layout.root);
    finish(run, failure, config.secrets);
    log.failed(failure.code, failure.message);
    log.finished(run.status, run.durationMs);
    await snapshot.discard().catch(() => undefined);
    const reportFolder = await recordRun(run, layout).catch(() => undefined);
    // A run that ended on an error is not resumed: the user may fix the source before the next run.
    await clearInProgress(layout).catch(() => undefined);
    return { run, error: failure, ...(reportFolder ? { reportFolder } : {}) };
  } finally {
    await source?.close().catch(() => undefined);
    session?.close();
    await rm(tmpFolder, { recursive: true, force: true }).catch(() => undefined);
    await lock.release();
  }
}

/**
 * Describes every table at the source and compiles its rules. This is where a missing table,
 * a missing column or a bad rule stops the run, before any row is read.
 */
async function planTables(
  config: AuroraConfig,
  source: Source,
  session: DuckdbSession,
  mode: RunResult['mode'],
  startedAt: Date,
): Promise<PlannedTable[]> {
  const described: { config: TableConfig; request: SourceTableRequest; description: TableDescription }[] = [];
  for (const table of config.tables) {
    const request: SourceTableRequest = {
      name: table.name,
      sourceTable: table.sourceTable,
      primaryKey: table.primaryKey,
      ...(table.partitionColumn ? { partitionColumn: table.partitionColumn } : {}),
      ...(table.path ? { path: table.path } : {}),
      ...(table.format ? { format: table.format } : {}),
      // A watermark delta reads the changed rows, so counting all of them would be its one scan of the table.
      ...(mode === 'delta' && table.watermarkColumn ? { estimateRowCount: true } : {}),
    };
    const description = await source.describeTable(request);
    rejectReservedColumns(description);
    described.push({ config: table, request, description });
  }

  const columnsByTable = new Map(described.map((entry) => [entry.config.name, entry.description.columns.map((column) => column.name)]));
  const ruleSets = await loadRuleSets(config.rules, columnsByTable);

  const relationOf = (name: string): string => quoteIdentifier(`bronze_${name}`);
  const duckdbColumns = (description: TableDescription): CompileContext['columns'] =>
    description.columns.map((column) => ({ name: column.name, duckdbType: duckdbTypeOf(column.type) }));
  const byName = new Map(described.map((entry) => [entry.config.name, entry.description]));

  // The compiler test-runs each rule against its relation, so empty stand-ins with the final
  // column types exist until the bronze views replace them after extraction.
  for (const entry of described) {
    const columns = duckdbColumns(entry.description).map((column) => `${quoteIdentifier(column.name)} ${column.duckdbType}`);
    await session.run(`CREATE OR REPLACE TEMP TABLE ${relationOf(entry.config.name)} (${columns.join(', ')})`);
  }

  const planned: PlannedTable[] = [];
  for (const entry of described) {
    const declared = ruleSets.get(entry.config.name) ?? { table: entry.config.name, rules: [], files: [] };
    const ruleSet = withPrimaryKeyRules(declared, entry.config, config.file);
    const context: CompileContext = {
      table: entry.config.name,
      relation: relationOf(entry.config.name),
      columns: duckdbColumns(entry.description),
      resolveTable: (name) => {
        const target = byName.get(name);
        return target ? { relation: relationOf(name), columns: duckdbColumns(target) } : undefined;
      },
      runStartedAt: startedAt.toISOString(),
    };
    const compiled = await compileRuleSet(ruleSet, context, session.connection);
    // Published keys are unique only while an error rule keeps duplicates out of silver.
    const primaryKey = entry.description.primaryKey;
    const keysUnique = ruleSet.rules.some((rule) => rule.type === 'unique' && rule.severity === 'error' && !rule.where && sameColumnSet(rule.columns, primaryKey));
    const compileForCheckedRows = async (checkedRelation: string): Promise<CompiledRowRule[]> => {
      const checkedContext = { ...context, uniqueCandidates: checkedRelation, typesChecked: true, ...(keysUnique ? { candidatesHoldAllCopiesOf: primaryKey } : {}) };
      return (await compileRuleSet(ruleSet, checkedContext, session.connection)).rowRules;
    };

    planned.push({
      ...entry,
      relation: context.relation,
      partitions: [],
      rowRules: compiled.rowRules,
      tableRules: compiled.tableRules,
      compileForCheckedRows,
      rulesFingerprint: rowRulesFingerprint(compiled.rowRules),
      ...(ruleSet.maxQuarantineRatio !== undefined ? { maxQuarantineRatio: ruleSet.maxQuarantineRatio } : {}),
      bronzeFiles: [],
      extractMs: 0,
      extractedRows: 0,
      watermarkHigh: null,
      deletedRows: 0,
    });
  }

  return planned;
}

/**
 * Splits every table that this run reads in full into source partitions. A watermark delta
 * already has its one partition; planning its ranges would cost a scan of the whole table.
 */
async function planFullReads(tables: PlannedTable[], source: Source, layout: LakeLayout, runId: string): Promise<void> {
  for (const table of tables) {
    if (table.partitions.length === 0) {
      table.partitions = await source.planPartitions(table.description, table.request, table.config.partitions);
      table.bronzeFiles = table.partitions.map((partition) => layout.bronzeFile(table.config.name, runId, partition.index));
    }
  }
}

/**
 * The bronze files of a table as one relation with a stable row id: the partition index in
 * the upper bits and the row's position in its file below, so validation can name failing
 * rows without keeping whole rows in memory.
 */
function bronzeRelationSql(files: readonly string[]): string {
  return files
    .map(
      (file, index) =>
        `SELECT * EXCLUDE (file_row_number), CAST(${index} AS BIGINT) * ${2 ** 40} + file_row_number AS ${quoteIdentifier(ROW_ID_COLUMN)} FROM read_parquet(${quoteLiteral(file)}, file_row_number = true)`,
    )
    .join(' UNION ALL ');
}

/**
 * A full load of a table with the `tombstone` policy still carries the published tombstones
 * forward and adds the rows it no longer finds, so a full load never forgets a deletion.
 */
async function keepTombstonesOfFullReads(tables: PlannedTable[], layout: LakeLayout): Promise<void> {
  if (!tables.some((table) => table.config.deletes === 'tombstone')) {
    return;
  }
  const publishedSnapshot = await readPublishedSnapshot(layout);
  for (const table of tables) {
    const unchangedColumns = !table.schemaChanges || table.schemaChanges.length === 0;
    if (table.config.deletes === 'tombstone' && unchangedColumns) {
      const plan = await fullReadPlan(table.config, publishedSnapshot);
      if (plan) {
        table.deltaPlan = plan;
      }
    }
  }
}

/** The columns each silver file will have, for checking gold models before any data moves. */
function silverColumnsOf(tables: readonly PlannedTable[]): SilverTableColumns {
  return new Map(
    tables.map((table) => [
      table.config.name,
      [
        ...table.description.columns.map((column) => ({ name: column.name, type: duckdbTypeOf(column.type) })),
        { name: `${RESERVED_COLUMN_PREFIX}run_id`, type: 'VARCHAR' },
      ],
    ]),
  );
}

/** Full loads record each watermark's maximum, taken before reading, for the first delta. */
async function recordWatermarks(tables: PlannedTable[], source: Source): Promise<void> {
  for (const table of tables) {
    if (table.config.watermarkColumn) {
      checkWatermarkColumn(table.config, table.description);
      table.watermarkHigh = (await source.columnStats(table.request, table.config.watermarkColumn)).max;
    }
  }
}

/**
 * Decides for each table of a delta run what to read: rows at or after the watermark, or the
 * whole table when it has no watermark (its rows are then compared with the snapshot by key).
 * A table whose columns changed, or that the published run did not have, is read in full.
 */
async function planDeltaReads(
  tables: PlannedTable[],
  source: Source,
  session: DuckdbSession,
  layout: LakeLayout,
  published: RunResult | undefined,
  runId: string,
  detectDeletes: boolean,
): Promise<void> {
  const publishedSnapshot = published ? await readPublishedSnapshot(layout) : undefined;
  if (!published || !publishedSnapshot) {
    throw new AuroraError('DELTA_WITHOUT_FULL_LOAD', { lake: layout.root });
  }

  for (const table of tables) {
    if (table.schemaChanges && table.schemaChanges.length > 0) {
      continue;
    }
    const previous = published.tables.find((entry) => entry.table === table.config.name);
    const plan = await planDelta(table.config, table.request, table.description, source, session, previous, publishedSnapshot, detectDeletes);
    if (!plan) {
      continue;
    }
    table.deltaPlan = plan;
    table.watermarkHigh = plan.watermarkHigh;

    const partitions = watermarkPartition(plan);
    if (partitions) {
      table.partitions = partitions;
      table.bronzeFiles = [layout.bronzeFile(table.config.name, runId, 0)];
    }
  }
}

/**
 * Finds watermark deltas whose merge by key would lose rows or keep wrong ones; such a table
 * is read in full instead. Merging replaces every published row that shares a key with a
 * changed row. So the source's duplicated or NULL keys can drop rows that did not change. The
 * published quarantine's duplicated or NULL keys can keep rows the source deleted.
 */
async function findUnsafeMerges(tables: PlannedTable[], source: Source, session: DuckdbSession, layout: LakeLayout, runId: string): Promise<PlannedTable[]> {
  const unsafe: PlannedTable[] = [];
  for (const table of tables) {
    const plan = table.deltaPlan;
    if (!plan?.watermark) {
      continue;
    }
    if ((await mergeLosesRows(table, source, session, layout, runId)) || (await quarantineHasAmbiguousKeys(session, table.description, plan))) {
      unsafe.push(table);
    }
  }
  return unsafe;
}

/**
 * Tells whether the source has more rows of a changed key than the delta read: another row
 * with that key that did not change, created by an insert or by a key update. The merge would
 * replace that row too. A key the database enforces cannot repeat, so only other tables read
 * every source key (key columns only) and count them per changed key.
 */
async function mergeLosesRows(table: PlannedTable, source: Source, session: DuckdbSession, layout: LakeLayout, runId: string): Promise<boolean> {
  if (table.description.keyEnforced) {
    return false;
  }
  const keysFile = await readSourceKeys(table, source, session, layout, runId);
  const primaryKey = table.description.primaryKey;
  const sourceCopies = keyCopiesSql(primaryKey, `read_parquet(${quoteLiteral(keysFile)})`);
  const deltaCopies = keyCopiesSql(primaryKey, `read_parquet([${table.bronzeFiles.map(quoteLiteral).join(', ')}])`);
  const [row] = await session.queryText(
    `SELECT CAST(count(*) AS VARCHAR) AS n FROM (${sourceCopies}) s JOIN (${deltaCopies}) d ON ${keyJoin(primaryKey, 's', 'd')} WHERE s.copies > d.copies`,
  );
  return Number(row?.n ?? 0) > 0;
}

/** Reads every current source key of a watermark delta's table once per run, for the merge and delete checks. */
async function readSourceKeys(table: PlannedTable, source: Source, session: DuckdbSession, layout: LakeLayout, runId: string): Promise<string> {
  if (table.sourceKeysFile) {
    return table.sourceKeysFile;
  }
  const keysFile = sourceKeysFile(layout, runId, table.config.name);
  const keyColumns = table.description.primaryKey.map((name) => table.description.columns.find((column) => column.name === name));
  const keysOnly: TableDescription = { ...table.description, columns: keyColumns.filter((column) => column !== undefined) };
  const data = await source.readPartition(keysOnly, table.request, { index: 0, column: keysOnly.primaryKey[0] ?? '', includesNulls: true });
  await writeBronzePartition(session.connection, {
    table: keysOnly,
    partition: 0,
    data,
    stagingFile: path.join(layout.runTmpFolder(runId), `${table.config.name}-keys.csv`),
    targetFile: keysFile,
  });
  table.sourceKeysFile = keysFile;
  return keysFile;
}

/**
 * Tells whether the published quarantine contains rows whose key is duplicated or NULL. A watermark
 * delta cannot see which of such rows the source deleted since (the key check still finds the
 * key), so the table is read in full until its keys are unique again.
 */
async function quarantineHasAmbiguousKeys(session: DuckdbSession, description: TableDescription, plan: DeltaPlan): Promise<boolean> {
  const anyNull = description.primaryKey.map((key) => `${quoteIdentifier(key)} IS NULL`).join(' OR ');
  const quarantineCopies = keyCopiesSql(description.primaryKey, `read_parquet([${plan.previous.quarantine.map(quoteLiteral).join(', ')}])`);
  const [row] = await session.queryText(`SELECT CAST(count(*) AS VARCHAR) AS n FROM (${quarantineCopies}) WHERE copies > 1 OR ${anyNull}`);
  return Number(row?.n ?? 0) > 0;
}

/** Switches a delta table to a full read in this run, into bronze files after the delta's. */
async function replanFullRead(table: PlannedTable, source: Source, layout: LakeLayout, runId: string): Promise<void> {
  const partitions = await source.planPartitions(table.description, table.request, table.config.partitions);
  const first = table.bronzeFiles.length;
  table.partitions = partitions.map((partition) => ({ ...partition, index: first + partition.index }));
  table.bronzeFiles = table.partitions.map((partition) => layout.bronzeFile(table.config.name, runId, partition.index));
  if (table.deltaPlan) {
    delete table.deltaPlan.watermark;
  }
}

/**
 * Finds the keys of the published snapshot that the source no longer has, for tables whose
 * delete check is due. A watermark delta reads only changed rows, so it reads all keys once
 * more (key columns only); a table read in full already has them in bronze.
 */
async function findDeletedKeys(tables: PlannedTable[], source: Source, session: DuckdbSession, layout: LakeLayout, runId: string): Promise<void> {
  for (const table of tables) {
    const plan = table.deltaPlan;
    const findDeletes = plan?.checkDeletes === true && table.config.deletes !== 'ignore';
    if (!plan || (!findDeletes && !plan.droppedMaximum)) {
      continue;
    }

    const keysFile = plan.watermark ? await readSourceKeys(table, source, session, layout, runId) : sourceKeysFile(layout, runId, table.config.name);
    if (!plan.watermark) {
      const keys = table.description.primaryKey.map(quoteIdentifier).join(', ');
      await session.run(`COPY (SELECT ${keys} FROM read_parquet([${table.bronzeFiles.map(quoteLiteral).join(', ')}])) TO ${quoteLiteral(keysFile)} (FORMAT parquet)`);
    }

    await checkDroppedMaximum(session, table.description, plan, keysFile);
    if (findDeletes) {
      table.deletedKeysFile = path.join(layout.runTmpFolder(runId), `${table.config.name}-deleted.parquet`);
      table.deletedRows = await writeDeletedKeys(session, table.description, plan, [keysFile], table.deletedKeysFile);
    }
  }
}

/**
 * The relation a table is validated on. A watermark delta merges the published rows with the
 * changes; a table read in full is its bronze files, except that the `ignore` policy keeps
 * published rows whose key the source no longer has.
 */
function relationSql(table: PlannedTable): string {
  const plan = table.deltaPlan;
  if (plan?.watermark) {
    const deleted = table.config.deletes === 'ignore' ? undefined : table.deletedKeysFile;
    return mergedRelationSql(table.description, plan, table.bronzeFiles, deleted, ROW_ID_COLUMN);
  }
  // Rows gone from the source stay while the policy keeps them: always for `ignore`, and for
  // `tombstone` until the run whose key check turns them into tombstones.
  const keepGoneRows = table.config.deletes === 'ignore' || (table.config.deletes === 'tombstone' && !plan?.checkDeletes);
  if (plan && keepGoneRows) {
    return mergedRelationSql(table.description, plan, table.bronzeFiles, undefined, ROW_ID_COLUMN);
  }
  return bronzeRelationSql(table.bronzeFiles);
}

/** Compares a table's columns with the published run's; undefined when there is nothing to compare. */
function schemaChangesOf(table: PlannedTable, published: RunResult | undefined): SchemaChange[] | undefined {
  const previous = published?.tables.find((entry) => entry.table === table.config.name)?.schema;
  return previous ? diffSchemas(previous, schemaOf(table.description)) : undefined;
}

function rejectReservedColumns(description: TableDescription): void {
  const reserved = description.columns.find((column) => column.name.toLowerCase().startsWith(RESERVED_COLUMN_PREFIX));
  if (reserved) {
    throw new AuroraError('COLUMN_NAME_RESERVED', {
      table: description.name,
      column: reserved.name,
      prefix: RESERVED_COLUMN_PREFIX,
    });
  }
}

/**
 * Reads all partitions of all tables through one pool, so a small table does not leave
 * workers idle while a large one is still being read.
 */
async function extractTables(
  tables: PlannedTable[],
  source: Source,
  session: DuckdbSession,
  layout: LakeLayout,
  runId: string,
  parallelism: number,
  emit: PipelineEventListener,
  adopted: ReadonlyMap<string, ReadonlySet<number>>,
): Promise<void> {
  const tasks = tables.flatMap((table) => table.partitions.map((partition) => ({ table, partition })));
  const connections = await Promise.all(Array.from({ length: Math.max(1, parallelism) }, () => session.connect()));
  const remaining = new Map(tables.map((table) => [table, table.partitions.length]));
  const started = new Map<PlannedTable, number>();
  const rowsDone = new Map<PlannedTable, number>();

  try {
    await runWithConcurrency(tasks, parallelism, async ({ table, partition }, worker) => {
      if (!started.has(table)) {
        started.set(table, performance.now());
      }

      // Files are listed in partition order. After a switch to a full read the partition
      // indexes start after the delta's file, so the position finds the file, not the index.
      const bronzeFile = table.bronzeFiles[table.partitions.indexOf(partition)] ?? layout.bronzeFile(table.config.name, runId, partition.index);
      const resumed = adopted.get(table.config.name)?.has(partition.index) ?? false;
      const rows = resumed
        ? await countParquetRows(session, bronzeFile)
        : await extractPartition(table, partition, worker, bronzeFile);

      rowsDone.set(table, (rowsDone.get(table) ?? 0) + rows);
      emit({ type: 'partition-extracted', table: table.config.name, partition: partition.index, rows, ...(resumed ? { resumed } : {}) });

      const left = (remaining.get(table) ?? 1) - 1;
      remaining.set(table, left);
      if (left === 0) {
        table.extractMs = performance.now() - (started.get(table) ?? performance.now());
        table.extractedRows = rowsDone.get(table) ?? 0;
        emit({ type: 'table-extracted', table: table.config.name, rows: rowsDone.get(table) ?? 0, durationMs: table.extractMs });
      }
    });
  } finally {
    for (const connection of connections) {
      connection.closeSync();
    }
  }

  async function extractPartition(table: PlannedTable, partition: PartitionRange, worker: number, bronzeFile: string): Promise<number> {
    const data = await source.readPartition(table.description, table.request, partition);
    const baseline = rowsDone.get(table) ?? 0;
    return writeBronzePartition(connections[worker] ?? session.connection, {
      table: table.description,
      partition: partition.index,
      data,
      stagingFile: path.join(layout.runTmpFolder(runId), `${table.config.name}-${partition.index}.csv`),
      targetFile: bronzeFile,
      onProgress: (staged) => emit({ type: 'extract-progress', table: table.config.name, rows: baseline + staged }),
    });
  }
}

async function countParquetRows(session: DuckdbSession, file: string): Promise<number> {
  const [row] = await session.queryText(`SELECT CAST(count(*) AS VARCHAR) AS n FROM read_parquet(${quoteLiteral(file)})`);
  return Number(row?.n ?? 0);
}

/**
 * Marks this run as in progress and, when the last run was killed with the same deployment,
 * takes over its finished bronze partitions. The takeover happens before the marker moves to
 * this run, so a kill at any point leaves a marker whose files exist.
 */
async function takeOverKilledRun(
  layout: LakeLayout,
  config: AuroraConfig,
  tables: readonly PlannedTable[],
  runId: string,
): Promise<Map<string, Set<number>>> {
  const fingerprint = deploymentFingerprint(config);
  const signatures = tables.map((table) => ({
    name: table.config.name,
    signature: tableSignature(table.description, table.partitions, table.watermarkHigh),
    bronzeFiles: table.bronzeFiles,
  }));

  const previous = await readInProgress(layout);
  const resumable = previous !== undefined && previous.runId !== runId && previous.fingerprint === fingerprint;
  const adopted = resumable ? await adoptFinishedPartitions(layout, previous, signatures) : new Map<string, Set<number>>();

  await writeInProgress(layout, { runId, fingerprint, tables: Object.fromEntries(signatures.map((table) => [table.name, table.signature])) });
  if (previous !== undefined && previous.runId !== runId) {
    await removeKilledRunBronze(layout, previous.runId, config.tables.map((table) => table.name));
  }
  return adopted;
}

async function validatePlannedTable(
  table: PlannedTable,
  session: DuckdbSession,
  snapshot: SnapshotBuilder,
  runId: string,
  gateErrors: AuroraError[],
): Promise<TableResult> {
  const validation = await validateTable({
    session,
    runId,
    table: table.description,
    relation: table.relation,
    ...(table.incremental ? { checkedRows: table.incremental.checkedRows } : {}),
    rowRules: table.rowRules,
    tableRules: table.tableRules,
    ...(table.silverPartitioning ? { partitioning: table.silverPartitioning } : {}),
    silver: { folder: path.join(snapshot.folder, silverFolder(table.config.name)), ...table.incremental?.silver },
    quarantine: { folder: path.join(snapshot.folder, quarantineFolder(table.config.name)), ...table.incremental?.quarantine },
  });

  const quarantineRatio = validation.rowsRead === 0 ? 0 : validation.quarantinedRows / validation.rowsRead;
  if (table.maxQuarantineRatio !== undefined && quarantineRatio > table.maxQuarantineRatio) {
    gateErrors.push(
      new AuroraError('QUARANTINE_THRESHOLD_EXCEEDED', {
        table: table.config.name,
        ratio: quarantineRatio.toFixed(4),
        maximum: String(table.maxQuarantineRatio),
      }),
    );
  }
  for (const check of validation.failedTableChecks) {
    gateErrors.push(
      new AuroraError('TABLE_CHECK_FAILED', {
        table: table.config.name,
        rule: check.rule.id,
        detail: `${check.rule.message.en} (observed: ${check.observed ?? 'NULL'})`,
      }),
    );
  }

  return {
    table: table.config.name,
    sourceName: table.description.sourceName,
    partitions: table.partitions.length,
    rowsRead: validation.rowsRead,
    silverRows: validation.silverRows,
    quarantinedRows: validation.quarantinedRows,
    warnedRows: validation.warnedRows,
    quarantineRatio,
    ...(table.maxQuarantineRatio !== undefined ? { maxQuarantineRatio: table.maxQuarantineRatio } : {}),
    rules: validation.rules,
    schema: schemaOf(table.description),
    delta: deltaState(table.deltaPlan, table.watermarkHigh, table.extractedRows, table.deletedRows, incrementalFacts(table, validation.rowsChecked)),
    ...(table.schemaChanges && table.schemaChanges.length > 0 ? { schemaChanges: table.schemaChanges } : {}),
    timings: {
      extractMs: Math.round(table.extractMs),
      validateMs: Math.round(validation.timings.validateMs),
      publishMs: Math.round(validation.timings.writeMs),
    },
  };
}

/**
 * Decides how a table's silver is written. A full load splits it by key ranges sized for the
 * table now, and a delta keeps the published split. A delta checks only the changed rows and
 * the rows they can affect when its row rules produced the published results and every table
 * that a relationship rule refers to has published files to compare its keys with. A watermark
 * read gives the changed rows. A table read in full finds them by comparing row hashes with
 * the published rows, unless its published quarantine contains duplicated or NULL keys.
 */
async function planSilverWrite(table: PlannedTable, tables: readonly PlannedTable[], session: DuckdbSession, mode: RunResult['mode'], tmpFolder: string): Promise<void> {
  const plan = table.deltaPlan;
  const columnTypes = new Map(table.description.columns.map((column) => [column.name, duckdbTypeOf(column.type)]));
  table.silverPartitioning = plan?.previous.partitioning ?? (await choosePartitioning(session, table.relation, table.description.primaryKey, columnTypes, table.config.silverPartRows));

  const partitioning = plan?.previous.partitioning;
  if (mode !== 'delta' || !plan || !partitioning || plan.previous.rulesFingerprint !== table.rulesFingerprint) {
    return;
  }
  const referencedTables = new Map<string, ReferencedTable>();
  for (const { rule } of table.rowRules) {
    if (rule.type !== 'relationship') {
      continue;
    }
    const referenced = tables.find((candidate) => candidate.config.name === rule.references.table);
    const previous = referenced?.deltaPlan?.previous;
    if (!referenced || !previous) {
      return;
    }
    referencedTables.set(referenced.config.name, { relation: referenced.relation, previousFiles: [...previous.silver, ...previous.quarantine] });
  }

  let deltaFiles = table.bronzeFiles;
  let deletedKeysFile = table.config.deletes !== 'ignore' ? table.deletedKeysFile : undefined;
  if (!plan.watermark) {
    // A table read in full: its changes are the rows that differ from the published ones.
    if (await quarantineHasAmbiguousKeys(session, table.description, plan)) {
      return;
    }
    const removesGoneRows = table.config.deletes === 'remove' && !deletedKeysFile;
    const changes = await compareFullRead(session, table.description, plan, table.bronzeFiles, {
      changedFile: path.join(tmpFolder, `${table.config.name}-changed.parquet`),
      ...(removesGoneRows ? { deletedKeysFile: path.join(tmpFolder, `${table.config.name}-gone.parquet`) } : {}),
    });
    deltaFiles = [changes.changedFile];
    deletedKeysFile = changes.deletedKeysFile ?? deletedKeysFile;
  }

  const work = await planIncrementalWork({
    session,
    description: table.description,
    rowRules: table.rowRules,
    rowIdColumn: ROW_ID_COLUMN,
    partitioning,
    deltaFiles,
    ...(deletedKeysFile ? { deletedKeysFile } : {}),
    previousParts: plan.previous.silverParts,
    previousQuarantineParts: plan.previous.quarantineParts,
    referencedTables,
  });

  // The checked rows are few; kept in a table, they bound the unique rules' aggregates.
  const checked = quoteIdentifier(`${RESERVED_COLUMN_PREFIX}checked_${table.config.name}`);
  await session.run(`CREATE OR REPLACE TEMP TABLE ${checked} AS ${work.checkedRows}`);
  table.rowRules = await table.compileForCheckedRows(checked);
  table.incremental = { ...work, checkedRows: `SELECT * FROM ${checked}` };
}

function incrementalFacts(table: PlannedTable, checkedRows: number): DeltaState['incremental'] {
  const work = table.incremental;
  const previousParts = table.deltaPlan?.previous.silverParts.length ?? 0;
  if (!work) {
    return undefined;
  }
  const filesKept = work.silver.unchangedFiles.length;
  return { checkedRows, affectedRows: work.affectedRows, filesRewritten: previousParts - filesKept, filesKept };
}

/** Fills in end time, totals and error; secrets are scrubbed from every message. */
function finish(run: RunResult, error: unknown, secrets: readonly string[]): RunResult {
  const finishedAt = new Date();
  run.finishedAt = finishedAt.toISOString();
  run.durationMs = finishedAt.getTime() - Date.parse(run.startedAt);

  const rowsRead = run.tables.reduce((sum, table) => sum + table.rowsRead, 0);
  const quarantinedRows = run.tables.reduce((sum, table) => sum + table.quarantinedRows, 0);
  run.totals = {
    rowsRead,
    silverRows: run.tables.reduce((sum, table) => sum + table.silverRows, 0),
    quarantinedRows,
    quarantineRatio: rowsRead === 0 ? 0 : quarantinedRows / rowsRead,
  };

  if (error !== undefined) {
    const failure = toAuroraError(error);
    run.status = 'failed';
    run.error = {
      code: failure.code,
      message: { de: redactSecrets(failure.render('de'), secrets), en: redactSecrets(failure.render('en'), secrets) },
    };
  }
  return run;
}

function toAuroraError(error: unknown, lakeRoot?: string): AuroraError {
  if (isAuroraError(error)) {
    return error;
  }

  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (lakeRoot !== undefined && (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS' || code === 'EDQUOT')) {
    return lakeError(error, lakeRoot);
  }
  return new AuroraError('INTERNAL', { detail: describeCause(error) }, { cause: error });
}

/** Writes the run record and the data-quality report; both exist for failed runs too. */
async function writeRunRecord(run: RunResult, layout: LakeLayout): Promise<void> {
  await mkdir(layout.runsFolder, { recursive: true });
  await writeFileAtomically(layout.runRecord(run.runId), `${JSON.stringify(run, null, 2)}\n`);
}

async function recordRun(run: RunResult, layout: LakeLayout): Promise<string> {
  await writeRunRecord(run, layout);

  const reportFolder = layout.reportFolder(run.runId);
  await writeQualityReport(run, reportFolder);
  return reportFolder;
}
