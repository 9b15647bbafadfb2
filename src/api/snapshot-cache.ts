import path from 'node:path';

import type { LakeLayout } from '../lake/lake-layout.js';
import { readCurrentPointer, type CurrentPointer } from '../lake/snapshots.js';
import { inspectSnapshot, type PublishedSnapshotState } from './lake-reader.js';

export type ReadySnapshot = Extract<PublishedSnapshotState, { ready: true }>;

interface SnapshotEntry {
  key: string;
  state: Promise<PublishedSnapshotState>;
  derived: Map<string, Promise<unknown>>;
}

/**
 * The published snapshot as the data endpoints see it. CURRENT is read on every call (callers
 * that arrive while a read is under way share it), so a snapshot that the pipeline publishes,
 * or a rollback, is served from the next request on, by every server process. The manifest,
 * the silver file check and values derived from the snapshot (model descriptions, column
 * types) are computed once per snapshot: a published snapshot never changes, only CURRENT
 * moves. A state that is not ready is not kept, so a fixed lake is seen at once.
 */
export class PublishedSnapshotCache {
  private pointerRead: Promise<CurrentPointer | undefined> | undefined;
  private entry: SnapshotEntry | undefined;

  constructor(private readonly layout: LakeLayout) {}

  async current(): Promise<PublishedSnapshotState> {
    let pointer: CurrentPointer | undefined;
    try {
      pointer = await this.readPointer();
    } catch (error) {
      this.entry = undefined;
      return { ready: false, reason: { kind: 'pointer_unreadable', detail: error instanceof Error ? error.message : String(error) } };
    }
    if (pointer === undefined) {
      this.entry = undefined;
      return { ready: false, reason: { kind: 'nothing_published' } };
    }

    const key = this.keyOf(pointer.runId, path.join(this.layout.root, pointer.snapshot));
    if (this.entry?.key !== key) {
      this.entry = { key, state: inspectSnapshot(this.layout, pointer), derived: new Map() };
    }
    const entry = this.entry;

    let state: PublishedSnapshotState;
    try {
      state = await entry.state;
    } catch (error) {
      this.forget(entry);
      throw error;
    }
    if (!state.ready) {
      this.forget(entry);
    }
    return state;
  }

  /**
   * Returns the value named `name` of `snapshot`, computing it on the first call. When CURRENT
   * has moved on meanwhile, the value is computed and not kept. A failed computation is not
   * kept either, so the next request tries again.
   */
  derive<T>(snapshot: ReadySnapshot, name: string, compute: () => Promise<T>): Promise<T> {
    const entry = this.entry;
    if (entry === undefined || entry.key !== this.keyOf(snapshot.runId, snapshot.folder)) {
      return compute();
    }

    const known = entry.derived.get(name);
    if (known !== undefined) {
      return known as Promise<T>;
    }
    const computed = compute();
    entry.derived.set(name, computed);
    computed.catch(() => {
      if (entry.derived.get(name) === computed) {
        entry.derived.delete(name);
      }
    });
    return computed;
  }

  private readPointer(): Promise<CurrentPointer | undefined> {
    if (this.pointerRead === undefined) {
      this.pointerRead = readCurrentPointer(this.layout).finally(() => {
        this.pointerRead = undefined;
      });
    }
    return this.pointerRead;
  }

  private keyOf(runId: string, folder: string): string {
    return `${runId}\0${folder}`;
  }

  private forget(entry: SnapshotEntry): void {
    if (this.entry === entry) {
      this.entry = undefined;
    }
  }
}

/** One cache per LakeLayout object; buildServer creates one layout per server and passes it to every route. */
const caches = new WeakMap<LakeLayout, PublishedSnapshotCache>();

export function snapshotCacheFor(layout: LakeLayout): PublishedSnapshotCache {
  let cache = caches.get(layout);
  if (cache === undefined) {
    cache = new PublishedSnapshotCache(layout);
    caches.set(layout, cache);
  }
  return cache;
}
