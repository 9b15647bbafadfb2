import type { PublishedModel } from './gold-models.js';
import type { KpiPage, KpiRequest } from './kpi-query.js';
import { QueryResultCache } from './query-cache.js';
import { shareRowsJson } from './shared-rows-json.js';

/**
 * KPI pages of this process, at most 2,000 or about 64 MiB. Dashboards send the same few
 * requests over and over, and between two runs their results cannot change.
 */
export const kpiPageCache = new QueryResultCache<KpiPage>({ maxEntries: 2_000, maxBytes: 64 * 1024 * 1024 }, estimatePageBytes);

/**
 * Builds the cache key of a KPI request from the gold file, the model's columns and the request.
 * The file's path lies inside the published snapshot's folder, so a new snapshot gives new keys.
 * Filters are put in a canonical order, because `dim.A=1&dim.B=2` and `dim.B=2&dim.A=1` select
 * the same rows.
 */
export function kpiPageKey(model: PublishedModel, request: KpiRequest): string {
  const filters = [...request.filters.entries()]
    .map(([dimension, values]) => [dimension, [...new Set(values)].sort()] as const)
    .sort(([a], [b]) => compareText(a, b));
  return JSON.stringify([
    model.file,
    model.columns,
    filters,
    request.from ?? null,
    request.to ?? null,
    request.sort ?? null,
    request.order,
    request.limit,
    request.cursor ?? null,
  ]);
}

function compareText(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/**
 * Returns the cached page of `request`, or computes and caches it. The rows of a cached page are
 * sent by many responses, so their JSON text is built once (shared-rows-json.ts).
 */
export function cachedKpiPage(model: PublishedModel, request: KpiRequest, compute: () => Promise<KpiPage>): Promise<KpiPage> {
  return kpiPageCache.getOrCompute(kpiPageKey(model, request), async () => {
    const page = await compute();
    shareRowsJson(page.rows);
    return page;
  });
}

/** UTF-16 code units of the JSON text times two: close to what the strings take on the V8 heap. */
function estimatePageBytes(page: KpiPage): number {
  return JSON.stringify(page).length * 2;
}
