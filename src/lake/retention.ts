import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

import type { LakeLayout } from './lake-layout.js';
import { lastKnownGood, listRuns } from './run-history.js';

/**
 * Removes snapshots (and their runs' bronze files) that started more than `days` days before
 * `now`. The published snapshot and the last known-good one are always kept, whatever their
 * age, so a rollback target survives. Run records and reports stay: they are small and say
 * what happened. Returns the removed run ids. The caller holds the lake lock.
 */
export async function applyRetention(layout: LakeLayout, days: number, now: Date = new Date()): Promise<string[]> {
  const runs = await listRuns(layout);
  const keep = new Set([runs.find((run) => run.current)?.runId, lastKnownGood(runs)?.runId]);
  const cutoff = now.getTime() - days * 86_400_000;

  const expired = runs.filter((run) => run.restorable && !keep.has(run.runId) && Date.parse(run.startedAt) < cutoff);
  for (const run of expired) {
    await rm(layout.snapshotFolder(run.runId), { recursive: true, force: true });
    for (const table of await readdir(path.join(layout.root, 'bronze')).catch(() => [] as string[])) {
      await rm(layout.bronzeFolder(table, run.runId), { recursive: true, force: true });
    }
  }
  return expired.map((run) => run.runId);
}
