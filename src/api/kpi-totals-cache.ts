import type { KpiTotals } from './kpi-totals-query.js';

/**
 * Totals of published snapshots, by query, least recently used first out. A snapshot never
 * changes after it is published, and the key contains its run id, so an entry cannot go stale:
 * the next publish makes new keys and the old entries age out.
 */
export class KpiTotalsCache {
  private readonly entries = new Map<string, { totals: KpiTotals; bytes: number }>();
  private totalBytes = 0;

  /** `maxBytes` bounds the sum of the entries' JSON sizes, an estimate of the memory they take. */
  constructor(private readonly maxBytes: number) {}

  get(key: string): KpiTotals | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    // Re-inserting moves the entry to the end of the Map's order, which is the most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.totals;
  }

  set(key: string, totals: KpiTotals): void {
    const bytes = JSON.stringify(totals).length;
    if (bytes > this.maxBytes) {
      return;
    }
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.entries.delete(key);
      this.totalBytes -= previous.bytes;
    }

    this.entries.set(key, { totals, bytes });
    this.totalBytes += bytes;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.totalBytes <= this.maxBytes) {
        break;
      }
      this.entries.delete(oldestKey);
      this.totalBytes -= oldest.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
