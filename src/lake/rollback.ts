import { appendFile } from 'node:fs/promises';
import path from 'node:path';

import { AuroraError } from '../errors/aurora-error.js';
import { RUN_ID_PATTERN } from '../pipeline/run-id.js';
import { writeFileAtomically } from './atomic-file.js';
import type { LakeLayout } from './lake-layout.js';
import { LakeLock } from './lake-lock.js';
import { listRuns } from './run-history.js';
import { readCurrentPointer, type CurrentPointer } from './snapshots.js';

export interface RollbackResult {
  from?: string;
  to: string;
  /** The requested run was already published; nothing changed. */
  unchanged: boolean;
}

/**
 * Publishes an earlier snapshot again. Only CURRENT changes, in one atomic rename, so readers
 * see the old or the restored snapshot and never a mix; the snapshot files themselves are
 * immutable. The lake lock keeps a load from publishing at the same moment.
 */
export async function rollbackTo(layout: LakeLayout, runId: string): Promise<RollbackResult> {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new AuroraError('RUN_NOT_FOUND', { runId, lake: layout.root });
  }

  const lock = await LakeLock.acquire(layout.root);
  try {
    const runs = await listRuns(layout);
    const target = runs.find((run) => run.runId === runId);
    if (!target) {
      throw new AuroraError('RUN_NOT_FOUND', { runId, lake: layout.root });
    }
    if (!target.restorable) {
      throw new AuroraError('RUN_NOT_RESTORABLE', { runId, reason: target.status === 'failed' ? 'failed' : 'removed' });
    }

    const previous = await readCurrentPointer(layout);
    if (previous?.runId === runId) {
      return { from: previous.runId, to: runId, unchanged: true };
    }

    const pointer: CurrentPointer = {
      runId,
      snapshot: path.relative(layout.root, layout.snapshotFolder(runId)),
      publishedAt: new Date().toISOString(),
    };
    await writeFileAtomically(layout.currentPointer, `${JSON.stringify(pointer, null, 2)}\n`);
    await appendFile(
      path.join(layout.root, 'history.jsonl'),
      `${JSON.stringify({ at: pointer.publishedAt, action: 'rollback', from: previous?.runId ?? null, to: runId })}\n`,
    );
    return { ...(previous ? { from: previous.runId } : {}), to: runId, unchanged: false };
  } finally {
    await lock.release();
  }
}
