import type { FileProblem } from '../errors/catalog.js';
import { problemAt, type YamlFile } from './yaml-file.js';
import type { ApiConfig, OrdersApiConfig, TableConfig } from './types.js';

/** Exports above this many rows are rejected unless aurora.yaml sets `api.export_max_rows`. */
export const DEFAULT_EXPORT_MAX_ROWS = 1_000_000;

/** The `api` section as the schema admits it. */
export interface RawApiConfig {
  export_max_rows?: number;
  orders?: {
    table: string;
    key?: string | string[];
    date_column?: string;
    default_sort?: string;
    columns: { name: string; de: string; en: string }[];
    sort?: string[];
    filters?: Record<string, { column: string; via?: { table: string; from: string; to: string }[] }>;
  };
}

/**
 * Resolves the `api` section and checks what the schema cannot: the orders table and the
 * joined tables must be listed under tables, and the key, sort and date columns must be among
 * the returned columns. Each problem names the key it is about.
 */
export function resolveApiConfig(raw: RawApiConfig | undefined, tables: readonly TableConfig[], yaml: YamlFile): { api: ApiConfig; problems: FileProblem[] } {
  const problems: FileProblem[] = [];
  const api: ApiConfig = { exportMaxRows: raw?.export_max_rows ?? DEFAULT_EXPORT_MAX_ROWS };
  if (raw?.orders === undefined) {
    return { api, problems };
  }

  const orders = raw.orders;
  const at = (path: (string | number)[], problem: FileProblem['problem']): void => {
    problems.push(problemAt(yaml, ['api', 'orders', ...path], problem));
  };
  const tableNames = tables.map((table) => table.name);
  const table = tables.find((candidate) => candidate.name === orders.table);
  if (table === undefined) {
    at(['table'], {
      de: `Tabelle ${orders.table} steht nicht unter tables. Erlaubt: ${tableNames.join(', ')}.`,
      en: `Table ${orders.table} is not listed under tables. Allowed: ${tableNames.join(', ')}.`,
    });
  }

  const columnNames = orders.columns.map((column) => column.name);
  orders.columns.forEach((column, index) => {
    if (columnNames.indexOf(column.name) !== index) {
      at(['columns', index, 'name'], { de: `Spalte ${column.name} ist doppelt aufgeführt.`, en: `Column ${column.name} is listed twice.` });
    }
  });
  const requireColumn = (name: string, path: (string | number)[]): void => {
    if (!columnNames.includes(name)) {
      at(path, {
        de: `${name} steht nicht unter api.orders.columns. Die Spalte dort ergänzen.`,
        en: `${name} is not listed under api.orders.columns. Add the column there.`,
      });
    }
  };

  const key = orders.key === undefined ? (table?.primaryKey ?? []) : Array.isArray(orders.key) ? orders.key : [orders.key];
  key.forEach((name, index) => requireColumn(name, orders.key === undefined ? ['table'] : Array.isArray(orders.key) ? ['key', index] : ['key']));
  (orders.sort ?? []).forEach((name, index) => requireColumn(name, ['sort', index]));
  if (orders.date_column !== undefined) {
    requireColumn(orders.date_column, ['date_column']);
  }

  const sortable = [...new Set([...(orders.sort ?? []), ...key])];
  const defaultSortText = orders.default_sort ?? key[0] ?? '';
  const defaultSort = { column: defaultSortText.replace(/^-/, ''), order: defaultSortText.startsWith('-') ? ('desc' as const) : ('asc' as const) };
  if (orders.default_sort !== undefined && !sortable.includes(defaultSort.column)) {
    at(['default_sort'], {
      de: `${defaultSort.column} steht nicht unter api.orders.sort und ist keine Schlüsselspalte.`,
      en: `${defaultSort.column} is not listed under api.orders.sort and is not a key column.`,
    });
  }

  const filters = Object.entries(orders.filters ?? {}).map(([name, filter]) => {
    (filter.via ?? []).forEach((step, index) => {
      if (!tableNames.includes(step.table)) {
        at(['filters', name, 'via', index, 'table'], {
          de: `Tabelle ${step.table} steht nicht unter tables. Erlaubt: ${tableNames.join(', ')}.`,
          en: `Table ${step.table} is not listed under tables. Allowed: ${tableNames.join(', ')}.`,
        });
      }
    });
    return { name, column: filter.column, via: filter.via ?? [] };
  });

  const resolved: OrdersApiConfig = {
    table: orders.table,
    key,
    ...(orders.date_column !== undefined ? { dateColumn: orders.date_column } : {}),
    defaultSort,
    columns: orders.columns.map((column) => ({ name: column.name, label: { de: column.de, en: column.en } })),
    sortable,
    filters,
  };
  return { api: { ...api, orders: resolved }, problems };
}
