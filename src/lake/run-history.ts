import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import type { RunResult } from '../pipeline/run-result.js';
import { isFile } from './file-status.js';
import type { LakeLayout } from './lake-layout.js';
import { readCurrentPointer } from './snapshots.js';

/** One line of `aurora runs`: what a run did and whether its snapshot can still be restored. */
export interface RunSummary {
  runId: string;
  mode: string;
  status: RunResult['status'];
  startedAt: string;
  durationMs: number;
  rowsRead: number;
  silverRows: number;
  quarantinedRows: number;
  /** The snapshot folder still exists (not removed by retention, not a failed run). */
  restorable: boolean;
  /** This run's snapshot is the published one. */
  current: boolean;
}

/** Reads every run record of the lake, newest first. Unreadable records are skipped. */
export async function listRuns(layout: LakeLayout): Promise<RunSummary[]> {
  const names = await readdir(layout.runsFolder).catch(() => [] as string[]);
  const current = await readCurrentPointer(layout);

  const summaries: RunSummary[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.json'))) {
    const run = await readRunRecord(path.join(layout.runsFolder, name));
    if (!run) {
      continue;
    }
    summaries.push({
      runId: run.runId,
      mode: run.mode,
      status: run.status,
      startedAt: run.startedAt,
      durationMs: run.durationMs,
      rowsRead: run.totals.rowsRead,
      silverRows: run.totals.silverRows,
      quarantinedRows: run.totals.quarantinedRows,
      restorable: run.status === 'succeeded' && (await isFile(path.join(layout.snapshotFolder(run.runId), 'manifest.json'))),
      current: current?.runId === run.runId,
    });
  }

  return summaries.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId));
}

/** The newest run whose snapshot can be restored: the state to go back to when all else fails. */
export function lastKnownGood(runs: readonly RunSummary[]): RunSummary | undefined {
  return runs.find((run) => run.restorable);
}

async function readRunRecord(file: string): Promise<RunResult | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunResult;
  } catch {
    return undefined;
  }
}
