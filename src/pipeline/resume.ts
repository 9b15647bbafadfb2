import { createHash } from 'node:crypto';
import { link, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import type { AuroraConfig } from '../config/types.js';
import { writeFileAtomically } from '../lake/atomic-file.js';
import { isFile } from '../lake/file-status.js';
import type { LakeLayout } from '../lake/lake-layout.js';
import { describeSource } from '../sources/create-source.js';
import type { PartitionRange, TableDescription } from '../sources/types.js';

/**
 * The marker of a full load in progress, in `<lake>/state/in-progress.json`. A run that ends,
 * successfully or not, removes it, so finding it means the last run was killed. Its finished
 * bronze partitions can then be taken over instead of read again.
 */
export interface InProgressRecord {
  runId: string;
  /** Hash of the source and the table list; a changed deployment starts over. */
  fingerprint: string;
  /** Per table: hash of its columns and partition ranges; a changed table is read again. */
  tables: Record<string, string>;
}

function markerFile(layout: LakeLayout): string {
  return path.join(layout.root, 'state', 'in-progress.json');
}

export async function readInProgress(layout: LakeLayout): Promise<InProgressRecord | undefined> {
  try {
    return JSON.parse(await readFile(markerFile(layout), 'utf8')) as InProgressRecord;
  } catch {
    return undefined;
  }
}

export async function writeInProgress(layout: LakeLayout, record: InProgressRecord): Promise<void> {
  await mkdir(path.dirname(markerFile(layout)), { recursive: true });
  await writeFileAtomically(markerFile(layout), `${JSON.stringify(record, null, 2)}\n`);
}

export async function clearInProgress(layout: LakeLayout): Promise<void> {
  await rm(markerFile(layout), { force: true });
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Hashes what decides which rows a full load reads: the source (without secrets) and the tables. */
export function deploymentFingerprint(config: AuroraConfig): string {
  return sha256(JSON.stringify({ source: describeSource(config.source), type: config.source.type, tables: config.tables }));
}

/**
 * Hashes what must be unchanged for a killed run's partitions to be taken over: columns,
 * partition ranges, the row count and the watermark's maximum. Updates that move neither
 * count nor watermark stay invisible; `aurora run --no-resume` is for sources that may have
 * changed while nobody was watching.
 */
export function tableSignature(description: TableDescription, partitions: readonly PartitionRange[], watermarkHigh: string | null): string {
  return sha256(
    JSON.stringify({ columns: description.columns.map((column) => [column.name, column.type]), partitions, rowCount: description.rowCount, watermarkHigh }),
  );
}

/**
 * Takes over the finished partitions of a killed run: each complete bronze file of a table
 * whose columns and partitions are unchanged is hard-linked into this run's folder, so both
 * names share the same immutable data and nothing is copied. Returns the taken-over partition
 * indexes per table.
 */
export async function adoptFinishedPartitions(
  layout: LakeLayout,
  previous: InProgressRecord,
  tables: readonly { name: string; signature: string; bronzeFiles: readonly string[] }[],
): Promise<Map<string, Set<number>>> {
  const adopted = new Map<string, Set<number>>();

  for (const table of tables) {
    if (previous.tables[table.name] !== table.signature) {
      continue;
    }
    const indexes = new Set<number>();
    for (const [index, target] of table.bronzeFiles.entries()) {
      const finished = layout.bronzeFile(table.name, previous.runId, index);
      if (!(await isFile(finished))) {
        continue;
      }
      await mkdir(path.dirname(target), { recursive: true });
      await link(finished, target);
      indexes.add(index);
    }
    adopted.set(table.name, indexes);
  }
  return adopted;
}

/** Removes the bronze folders of a killed run that left no run record; its data now lives on in links. */
export async function removeKilledRunBronze(layout: LakeLayout, runId: string, tables: readonly string[]): Promise<void> {
  if (await isFile(layout.runRecord(runId))) {
    return;
  }
  for (const table of tables) {
    await rm(layout.bronzeFolder(table, runId), { recursive: true, force: true });
  }
}
