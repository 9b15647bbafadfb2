import type { LakeLayout } from '../lake/lake-layout.js';
import type { SnapshotManifest } from '../lake/snapshots.js';
import { ApiError } from './api-error.js';
import { readRunRecord } from './lake-reader.js';
import { snapshotCacheFor } from './snapshot-cache.js';

/** The published snapshot with the moment its run finished. */
export interface PublishedRun {
  runId: string;
  manifest: SnapshotManifest;
  /** finishedAt of the run record; publishedAt of the manifest when the record is unreadable. */
  finishedAt: string;
}

/**
 * Reads the published run, or undefined when the lake has no usable snapshot. CURRENT is read
 * on each call; manifest and run record once per snapshot (see PublishedSnapshotCache).
 */
export async function readPublishedRun(layout: LakeLayout): Promise<PublishedRun | undefined> {
  const cache = snapshotCacheFor(layout);
  const state = await cache.current();
  if (!state.ready) {
    return undefined;
  }

  const finishedAt = await cache.derive(state, 'finishedAt', () =>
    readRunRecord(layout, state.runId)
      .then((run) => run.finishedAt)
      .catch(() => state.manifest.publishedAt),
  );
  return { runId: state.runId, manifest: state.manifest, finishedAt };
}

/** Like readPublishedRun, but raises NOTHING_PUBLISHED (503) for the API's data endpoints. */
export async function requirePublishedRun(layout: LakeLayout): Promise<PublishedRun> {
  const published = await readPublishedRun(layout);
  if (!published) {
    throw new ApiError('NOTHING_PUBLISHED', {});
  }
  return published;
}

/** Whole seconds from `instant` to `now`; never negative, so clock skew does not show as future data. */
export function ageInSeconds(instant: string, now: Date = new Date()): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(instant)) / 1000));
}
