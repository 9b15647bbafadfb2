import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

import { syncFolder, writeFileAtomically } from './atomic-file.js';
import { pathExists } from './file-status.js';
import { snapshotTableFile, type LakeLayout } from './lake-layout.js';
import type { SilverPartitioning } from './part-files.js';

/** What a published snapshot holds, written as manifest.json inside it. */
export interface SnapshotManifest {
  runId: string;
  publishedAt: string;
  /** Gold models of the snapshot; the file is relative to the snapshot folder. */
  gold?: { model: string; file: string; rows: number }[];
  tables: {
    table: string;
    /**
     * Relative to the snapshot folder: a glob over the table's part files
     * (`silver/<table>/*.parquet`), which DuckDB's read_parquet reads as one table.
     */
    silverFile: string;
    /** Key ranges of the silver parts; absent when the key is not one integer column. */
    silverPartitioning?: SilverPartitioning;
    /** Fingerprint of the row rules that checked the rows, so a delta can tell whether it may keep their results. */
    rulesFingerprint?: string;
    quarantineFile: string;
    /** Rows deleted in the source, kept by the `tombstone` policy of delta loads. */
    tombstoneFile?: string;
    silverRows: number;
    quarantinedRows: number;
  }[];
}

/** The content of the CURRENT pointer. */
export interface CurrentPointer {
  runId: string;
  /** Relative to the lake root. */
  snapshot: string;
  publishedAt: string;
}

/** A snapshot under construction: files go into a hidden folder that readers never look at. */
export class SnapshotBuilder {
  constructor(
    private readonly layout: LakeLayout,
    readonly runId: string,
  ) {}

  get folder(): string {
    return this.layout.partialSnapshotFolder(this.runId);
  }

  async prepare(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
    await mkdir(path.join(this.folder, 'silver'), { recursive: true });
    await mkdir(path.join(this.folder, 'quarantine'), { recursive: true });
    await mkdir(path.join(this.folder, 'tombstones'), { recursive: true });
  }

  fileFor(layer: 'tombstones', table: string): string {
    return path.join(this.folder, snapshotTableFile(layer, table));
  }

  /**
   * Publishes the snapshot: the manifest is written last inside the hidden folder, the folder
   * is renamed to its final name, `beforeSwitch` runs (the pipeline writes the run record
   * there, so CURRENT never names a run without one), and only then does CURRENT move. A crash
   * before the last rename leaves CURRENT on the previous snapshot.
   */
  async publish(
    tables: SnapshotManifest['tables'],
    beforeSwitch: () => Promise<void> = async () => undefined,
    gold: SnapshotManifest['gold'] = [],
  ): Promise<CurrentPointer> {
    const publishedAt = new Date().toISOString();
    const manifest: SnapshotManifest = { runId: this.runId, publishedAt, tables, ...(gold.length > 0 ? { gold } : {}) };
    await writeFileAtomically(path.join(this.folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    const finalFolder = this.layout.snapshotFolder(this.runId);
    await rename(this.folder, finalFolder);
    await syncFolder(this.layout.snapshotsFolder);
    await beforeSwitch();

    const pointer: CurrentPointer = {
      runId: this.runId,
      snapshot: path.relative(this.layout.root, finalFolder),
      publishedAt,
    };
    await writeFileAtomically(this.layout.currentPointer, `${JSON.stringify(pointer, null, 2)}\n`);
    return pointer;
  }

  async discard(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
  }
}

/** Reads the CURRENT pointer, or undefined when nothing was published yet. */
export async function readCurrentPointer(layout: LakeLayout): Promise<CurrentPointer | undefined> {
  try {
    return JSON.parse(await readFile(layout.currentPointer, 'utf8')) as CurrentPointer;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

/** Reads the manifest of the published snapshot, or undefined when nothing was published yet. */
/** The published snapshot's folder and manifest, or undefined when nothing was published yet. */
export async function readPublishedSnapshot(layout: LakeLayout): Promise<{ folder: string; manifest: SnapshotManifest } | undefined> {
  const pointer = await readCurrentPointer(layout);
  if (!pointer) {
    return undefined;
  }
  const folder = path.join(layout.root, pointer.snapshot);
  return { folder, manifest: JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8')) as SnapshotManifest };
}

export async function readCurrentManifest(layout: LakeLayout): Promise<SnapshotManifest | undefined> {
  const pointer = await readCurrentPointer(layout);
  if (!pointer) {
    return undefined;
  }
  return JSON.parse(await readFile(path.join(layout.root, pointer.snapshot, 'manifest.json'), 'utf8')) as SnapshotManifest;
}

/** Removes snapshot folders that killed runs left behind and that were never published. */
export async function removeAbandonedSnapshots(layout: LakeLayout, activeRunId: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(layout.snapshotsFolder);
  } catch {
    return [];
  }

  const current = await readCurrentPointer(layout);
  const abandoned: string[] = [];
  for (const name of entries) {
    const partial = name.endsWith('.partial') && name !== `.${activeRunId}.partial`;
    // A complete folder that CURRENT does not name and no run record claims was renamed into
    // place by a run killed just before it moved CURRENT; nobody can be reading it.
    const unclaimed =
      !name.startsWith('.') && name !== current?.runId && name !== activeRunId && !(await pathExists(layout.runRecord(name)));
    if (partial || unclaimed) {
      await rm(path.join(layout.snapshotsFolder, name), { recursive: true, force: true });
      abandoned.push(name);
    }
  }
  return abandoned;
}
