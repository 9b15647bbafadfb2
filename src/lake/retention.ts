import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

import type { LakeLayout } from './lake-layout.js';
import { lastKnownGood, listRuns } from './run-history.js';

/**
 * Removes snapshots and their runs' bronze files, and the bronze files of failed runs, when
 * the run started more than `days` days before `now`. The published snapshot and the newest
 * restorable one before it (the last known-good fallback) are always kept, whatever their age.
 * Run records and reports stay, because they are small and record what happened. Returns the
 * removed run ids. The caller holds the lake lock.
 */
export async function applyRetention(layout: LakeLayout, days: number, now: Date = new Date()): Promise<string[]> {
  const runs = await listRuns(layout);
  // The fallback is the newest restorable run besides the published one, so a rollback target
  // survives even right after the published snapshot was replaced.
  const current = runs.find((run) => run.current)?.runId;
  const fallback = lastKnownGood(runs.filter((run) => run.runId !== current))?.runId;
  const keep = new Set([current, fallback]);
  const cutoff = now.getTime() - days * 86_400_000;

  const expired = runs.filter((run) => run.restorable && !keep.has(run.runId) && Date.parse(run.startedAt) < cutoff);
  // Failed runs have no snapshot, but their bronze files take space all the same.
  const failed = runs.filter((run) => run.status === 'failed' && Date.parse(run.startedAt) < cutoff);
  const tables = await readdir(path.join(layout.root, 'bronze')).catch(() => [] as string[]);
  for (const run of [...expired, ...failed]) {
    await rm(layout.snapshotFolder(run.runId), { recursive: true, force: true });
    for (const table of tables) {
      await rm(layout.bronzeFolder(table, run.runId), { recursive: true, force: true });
    }
  }
  return expired.map((run) => run.runId);
}
