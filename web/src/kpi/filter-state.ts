import type { QueryParameters } from '../api/client.js';

/** The filters of the KPI page: date range and accepted values per dimension. */
export interface KpiFilters {
  from: string;
  to: string;
  dimensions: Map<string, string>;
}

const DIMENSION_PREFIX = 'dim.';

export function emptyFilters(): KpiFilters {
  return { from: '', to: '', dimensions: new Map() };
}

/** Reads the filters from the page's hash parameters (`from`, `to`, `dim.<DIMENSION>`). */
export function filtersFromParams(params: URLSearchParams): KpiFilters {
  const filters = emptyFilters();
  filters.from = params.get('from') ?? '';
  filters.to = params.get('to') ?? '';
  for (const [name, value] of params) {
    if (name.startsWith(DIMENSION_PREFIX) && value !== '') {
      filters.dimensions.set(name.slice(DIMENSION_PREFIX.length), value);
    }
  }
  return filters;
}

/** Returns the filters as API query parameters, the same for /kpis, /totals and the exports. */
export function filtersToQuery(filters: KpiFilters): QueryParameters {
  const query: QueryParameters = { from: filters.from, to: filters.to };
  for (const [dimension, value] of filters.dimensions) {
    query[`${DIMENSION_PREFIX}${dimension}`] = value;
  }
  return query;
}

export function filtersToParams(model: string, filters: KpiFilters): URLSearchParams {
  const params = new URLSearchParams({ model });
  for (const [name, value] of Object.entries(filtersToQuery(filters))) {
    if (typeof value === 'string' && value !== '') {
      params.set(name, value);
    }
  }
  return params;
}
