import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import type { RunResult } from '../pipeline/run-result.js';
import { RUN_ID_PATTERN } from '../pipeline/run-id.js';
import { isFile } from '../lake/file-status.js';
import type { LakeLayout } from '../lake/lake-layout.js';
import { resolvePartFiles } from '../lake/part-files.js';
import { readCurrentPointer, type CurrentPointer, type SnapshotManifest } from '../lake/snapshots.js';
import { ApiError } from './api-error.js';

/** Reason the lake cannot serve the published snapshot, reported by /readyz. */
export type NotReadyReason =
  | { kind: 'nothing_published' }
  | { kind: 'pointer_unreadable'; detail: string }
  | { kind: 'manifest_unreadable'; runId: string; detail: string }
  | { kind: 'silver_file_missing'; runId: string; table: string; file: string };

export type PublishedSnapshotState =
  | { ready: true; runId: string; folder: string; manifest: SnapshotManifest }
  | { ready: false; reason: NotReadyReason };

/**
 * Reads CURRENT, its manifest and checks that every silver file exists. Called per request,
 * so a snapshot that the pipeline publishes is visible without a restart.
 */
export async function inspectPublishedSnapshot(layout: LakeLayout): Promise<PublishedSnapshotState> {
  let pointer;
  try {
    pointer = await readCurrentPointer(layout);
  } catch (error) {
    return { ready: false, reason: { kind: 'pointer_unreadable', detail: describeError(error) } };
  }
  if (!pointer) {
    return { ready: false, reason: { kind: 'nothing_published' } };
  }
  return inspectSnapshot(layout, pointer);
}

/** Reads the manifest of the snapshot that `pointer` names and checks that every silver file exists. */
export async function inspectSnapshot(layout: LakeLayout, pointer: CurrentPointer): Promise<PublishedSnapshotState> {
  const folder = path.join(layout.root, pointer.snapshot);
  let manifest: SnapshotManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8')) as SnapshotManifest;
  } catch (error) {
    return { ready: false, reason: { kind: 'manifest_unreadable', runId: pointer.runId, detail: describeError(error) } };
  }

  for (const table of manifest.tables) {
    const parts = await resolvePartFiles(folder, table.silverFile).catch(() => []);
    const present = parts.length > 0 && (await Promise.all(parts.map((part) => isFile(part.file)))).every(Boolean);
    if (!present) {
      return { ready: false, reason: { kind: 'silver_file_missing', runId: pointer.runId, table: table.table, file: table.silverFile } };
    }
  }
  return { ready: true, runId: pointer.runId, folder, manifest };
}

/**
 * Rejects anything but a run id as produced by newRunId. This is also the guard against path
 * traversal, because the id becomes part of a file path.
 */
export function validateRunId(runId: string): void {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new ApiError('INVALID_PARAMETER', {
      field: 'runId',
      reason: {
        de: 'erwartet wird eine Lauf-ID wie 20261204T201559Z-3fa9c2 (Zeitstempel in UTC, Bindestrich, sechs Hex-Ziffern).',
        en: 'expected a run id such as 20261204T201559Z-3fa9c2 (UTC timestamp, dash, six hex digits).',
      },
    });
  }
}

/** Reads runs/<runId>.json; a missing file is RUN_NOT_FOUND, a corrupt one an internal error. */
export async function readRunRecord(layout: LakeLayout, runId: string): Promise<RunResult> {
  validateRunId(runId);
  const text = await readTextOrUndefined(layout.runRecord(runId));
  if (text === undefined) {
    throw new ApiError('RUN_NOT_FOUND', { runId });
  }
  return JSON.parse(text) as RunResult;
}

/** Reads reports/<runId>/report.json as parsed JSON. */
export async function readQualityReport(layout: LakeLayout, runId: string): Promise<unknown> {
  validateRunId(runId);
  const text = await readTextOrUndefined(path.join(layout.reportFolder(runId), 'report.json'));
  if (text === undefined) {
    throw new ApiError('REPORT_NOT_FOUND', { runId });
  }
  return JSON.parse(text) as unknown;
}

/**
 * Sums the sizes of all files below the lake folder. Symbolic links are counted by their own
 * size and not followed. A file linked into several snapshots (silver parts a delta left
 * unchanged) takes its space once, so each inode is counted once.
 * The lake metrics call it once per published snapshot, because it walks the whole tree.
 */
export async function measureFolderBytes(folder: string, seenInodes: Set<string> = new Set()): Promise<number> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return 0;
    }
    throw error;
  }

  let total = 0;
  for (const entry of entries) {
    const entryPath = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      total += await measureFolderBytes(entryPath, seenInodes);
      continue;
    }

    // A file removed by retention between readdir and lstat counts as zero bytes.
    const status = await lstat(entryPath).catch(() => undefined);
    const inode = status ? `${status.dev}:${status.ino}` : undefined;
    if (status && inode !== undefined && !seenInodes.has(inode)) {
      seenInodes.add(inode);
      total += status.size;
    }
  }
  return total;
}

async function readTextOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
