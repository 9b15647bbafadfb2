/**
 * A bounded least-recently-used cache of query results. Keys must contain everything the result
 * depends on, including the published snapshot's identity, such as the absolute path of a file
 * inside the snapshot folder. A published snapshot never changes, so an entry never goes stale,
 * and a new snapshot gets new keys while the old entries age out.
 *
 * Concurrent misses of one key share a single computation, so a burst of identical requests
 * after a publish runs the query once. Failed computations are not cached.
 */
export class QueryResultCache<T> {
  private readonly entries = new Map<string, { value: T; bytes: number }>();
  private readonly pending = new Map<string, Promise<T>>();
  private totalBytes = 0;

  constructor(
    private readonly limits: { maxEntries: number; maxBytes: number },
    /** Estimated size of a value in bytes; values above maxBytes / 8 are not cached. */
    private readonly sizeOf: (value: T) => number,
  ) {}

  async getOrCompute(key: string, compute: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      // Re-inserting moves the key to the end of the Map's order, the most recently used place.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.value;
    }

    const running = this.pending.get(key);
    if (running !== undefined) {
      return running;
    }

    const computation = compute();
    this.pending.set(key, computation);
    try {
      const value = await computation;
      this.store(key, value);
      return value;
    } finally {
      this.pending.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  private store(key: string, value: T): void {
    const bytes = this.sizeOf(value);
    if (bytes > this.limits.maxBytes / 8) {
      return;
    }
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;

    while (this.entries.size > this.limits.maxEntries || this.totalBytes > this.limits.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) {
        break;
      }
      this.totalBytes -= this.entries.get(oldest.value)?.bytes ?? 0;
      this.entries.delete(oldest.value);
    }
  }
}
