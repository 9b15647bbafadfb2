import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

import { redactSecrets } from '../config/environment.js';
import type { AuroraConfig, TableConfig } from '../config/types.js';
import { writeBronzePartition } from '../engine/bronze-writer.js';
import { DuckdbSession } from '../engine/duckdb-session.js';
import { AuroraError, describeCause, isAuroraError } from '../errors/aurora-error.js';
import { lakeError } from '../lake/lake-access.js';
import { LakeLayout } from '../lake/lake-layout.js';
import { LakeLock } from '../lake/lake-lock.js';
import { readCurrentManifest, readCurrentPointer, type SnapshotManifest } from '../lake/snapshots.js';
import { runWithConcurrency } from '../pipeline/task-pool.js';
import { createSource, describeSource } from '../sources/create-source.js';
import type { PartitionRange, Source, SourceTableRequest, TableDescription } from '../sources/types.js';
import { compareTable } from './compare-table.js';
import { writeReconcileReport, type ReconcileReportFiles } from './write-reconcile-report.js';
import type { ReconcileResult, TableReconciliation } from './types.js';

export interface ReconcileOptions {
  config: AuroraConfig;
  /** Partitions read at the same time; defaults to the config's parallelism. */
  parallelism?: number;
}

export interface ReconcileOutcome {
  result: ReconcileResult;
  report: ReconcileReportFiles;
}

/** A configured table with its source description, partitions and re-read files. */
interface ReconciledTable {
  config: TableConfig;
  request: SourceTableRequest;
  description: TableDescription;
  partitions: PartitionRange[];
  files: string[];
  snapshotEntry: SnapshotManifest['tables'][number];
}

/**
 * Compares every configured table of the source with the published snapshot and writes the
 * result to reports/<published run>/reconcile.json with an HTML page per language. The lake
 * lock is held throughout, so no load publishes a new snapshot in the middle of the comparison.
 *
 * @throws AuroraError RECONCILE_NOTHING_PUBLISHED, RECONCILE_TABLE_NOT_IN_SNAPSHOT, LAKE_BUSY,
 *   SOURCE_UNREACHABLE and the source's read errors. Differences are not thrown; they are in
 *   the result.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileOutcome> {
  const { config } = options;
  const startedAt = new Date();
  const layout = new LakeLayout(config.lake);
  const parallelism = Math.max(1, options.parallelism ?? config.parallelism);

  // Checked before taking the lock, because the lock file cannot be created in a lake folder
  // that does not exist yet.
  if (!(await readCurrentPointer(layout))) {
    throw new AuroraError('RECONCILE_NOTHING_PUBLISHED', { lake: layout.root });
  }

  const lock = await LakeLock.acquire(layout.root).catch((error: unknown) => {
    throw isAuroraError(error) ? error : lakeError(error, layout.root);
  });
  const tmpFolder = path.join(layout.tmpFolder, `reconcile-${randomBytes(6).toString('hex')}`);
  let source: Source | undefined;
  let session: DuckdbSession | undefined;

  try {
    const pointer = await readCurrentPointer(layout);
    const manifest = await readCurrentManifest(layout);
    if (!pointer || !manifest) {
      throw new AuroraError('RECONCILE_NOTHING_PUBLISHED', { lake: layout.root });
    }
    const snapshotFolder = path.join(layout.root, pointer.snapshot);
    const entries = config.tables.map((table) => {
      const entry = manifest.tables.find((candidate) => candidate.table === table.name);
      if (!entry) {
        throw new AuroraError('RECONCILE_TABLE_NOT_IN_SNAPSHOT', { table: table.name, runId: manifest.runId });
      }
      return entry;
    });

    await mkdir(tmpFolder, { recursive: true });
    source = await createSource(config.source);
    session = await DuckdbSession.open({
      threads: Math.max(parallelism, 2),
      memoryLimit: '1GB',
      tempDirectory: path.join(tmpFolder, 'duckdb'),
    });

    const tables = await planTables(config, source, entries, tmpFolder);
    await rereadSource(tables, source, session, tmpFolder, parallelism);
    await source.close();
    source = undefined;

    const results: TableReconciliation[] = [];
    for (const [index, table] of tables.entries()) {
      results.push(
        await compareTable({
          session,
          table: table.description,
          sourceFiles: table.files,
          silverFile: path.join(snapshotFolder, table.snapshotEntry.silverFile),
          quarantineFile: path.join(snapshotFolder, table.snapshotEntry.quarantineFile),
          topLevelRanges: table.partitions.length,
          index,
          runId: manifest.runId,
          keepsRowsGoneFromSource: config.tables.find((entry) => entry.name === table.description.name)?.deletes === 'ignore',
        }),
      );
    }

    const finishedAt = new Date();
    const result: ReconcileResult = {
      runId: manifest.runId,
      snapshot: pointer.snapshot,
      publishedAt: manifest.publishedAt,
      checkedAt: startedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      configFile: config.file,
      source: { kind: config.source.type, description: redactSecrets(describeSource(config.source), config.secrets) },
      tables: results,
      matches: results.every((table) => table.matches),
    };
    const report = await writeReconcileReport(result, layout.reportFolder(manifest.runId)).catch((error: unknown) => {
      throw lakeError(error, layout.root);
    });
    return { result, report };
  } catch (error) {
    if (isAuroraError(error)) {
      throw error;
    }
    throw new AuroraError('INTERNAL', { detail: redactSecrets(describeCause(error), config.secrets) }, { cause: error });
  } finally {
    await source?.close().catch(() => undefined);
    session?.close();
    await rm(tmpFolder, { recursive: true, force: true }).catch(() => undefined);
    await lock.release();
  }
}

async function planTables(
  config: AuroraConfig,
  source: Source,
  entries: SnapshotManifest['tables'],
  tmpFolder: string,
): Promise<ReconciledTable[]> {
  const tables: ReconciledTable[] = [];
  for (const [index, table] of config.tables.entries()) {
    const request: SourceTableRequest = {
      name: table.name,
      sourceTable: table.sourceTable,
      primaryKey: table.primaryKey,
      ...(table.partitionColumn ? { partitionColumn: table.partitionColumn } : {}),
      ...(table.path ? { path: table.path } : {}),
      ...(table.format ? { format: table.format } : {}),
    };
    const description = await source.describeTable(request);
    const partitions = await source.planPartitions(description, request, table.partitions);
    const snapshotEntry = entries[index] as SnapshotManifest['tables'][number];
    const files = partitions.map((partition) => path.join(tmpFolder, `table-${index}`, `part-${String(partition.index).padStart(5, '0')}.parquet`));
    tables.push({ config: table, request, description, partitions, files, snapshotEntry });
  }
  return tables;
}

/**
 * Reads every partition of every table through one pool into Parquet with the bronze writer,
 * so that the values have exactly the types the published rows had when they were loaded.
 */
async function rereadSource(
  tables: ReconciledTable[],
  source: Source,
  session: DuckdbSession,
  tmpFolder: string,
  parallelism: number,
): Promise<void> {
  const tasks = tables.flatMap((table, tableIndex) => table.partitions.map((partition) => ({ table, tableIndex, partition })));
  const connections = await Promise.all(Array.from({ length: parallelism }, () => session.connect()));

  try {
    await runWithConcurrency(tasks, parallelism, async ({ table, tableIndex, partition }, worker) => {
      const data = await source.readPartition(table.description, table.request, partition);
      await writeBronzePartition(connections[worker] ?? session.connection, {
        table: table.description,
        partition: partition.index,
        data,
        stagingFile: path.join(tmpFolder, `staging-${tableIndex}-${partition.index}.csv`),
        targetFile: table.files[partition.index] ?? path.join(tmpFolder, `table-${tableIndex}`, `part-${partition.index}.parquet`),
      });
    });
  } finally {
    for (const connection of connections) {
      connection.closeSync();
    }
  }
}
