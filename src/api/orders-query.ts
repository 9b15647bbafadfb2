import { createHash } from 'node:crypto';
import path from 'node:path';

import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import type { OrdersApiConfig } from '../config/types.js';
import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import type { ColumnType, LocalizedText } from '../gold/load-models.js';
import type { LakeLayout } from '../lake/lake-layout.js';
import { ApiError } from './api-error.js';
import { withConnection } from './gold-models.js';
import { dateRangeConditions } from './kpi-query.js';
import { inspectPublishedSnapshot } from './lake-reader.js';
import {
  BoundParameters,
  cursorValuesRoundTrip,
  decodeCursorJson,
  encodeCursorJson,
  invalidParameter,
  isKeyValue,
  keyTypesOf,
  readSelectionPage,
  type ApiRow,
  type ApiValue,
  type RowSelection,
  type SortOrder,
} from './keyset-page.js';

/** Inputs of the orders endpoints: the lake, the deployment's `api.orders` section and a DuckDB instance. */
export interface OrdersSource {
  layout: LakeLayout;
  /** Undefined when aurora.yaml has no `api.orders`; the endpoints then return 404 ORDERS_NOT_CONFIGURED. */
  config: OrdersApiConfig | undefined;
  duckdb: DuckDBInstance;
}

/** The orders table of the published snapshot, with the silver files that filters join. */
export interface PublishedOrders {
  runId: string;
  config: OrdersApiConfig;
  /** Absolute path of the orders table's silver file. */
  file: string;
  /** The configured columns with their Parquet types, in configured order. */
  columns: ColumnType[];
  /** Silver file per table that a filter's `via` joins. */
  joinedFiles: ReadonlyMap<string, string>;
}

/** Filters and sort of an orders request after schema validation; the exports take the same. */
export interface OrdersSelectionRequest {
  /** Filter parameter name to the accepted values; several values match any of them. */
  filters: ReadonlyMap<string, readonly string[]>;
  from?: string;
  to?: string;
  /** A sortable column, with a leading `-` for descending. */
  sort?: string;
}

export interface OrdersRequest extends OrdersSelectionRequest {
  limit: number;
  cursor?: string;
}

export interface OrdersPage {
  rows: ApiRow[];
  nextCursor: string | null;
}

const INVALID_CURSOR: LocalizedText = {
  de: 'der Cursor ist beschädigt oder gehört zu einer anderen Abfrage. Den nextCursor der vorigen Seite unverändert übergeben, mit denselben Filtern und demselben sort.',
  en: 'the cursor is damaged or belongs to another query. Pass the previous page’s nextCursor unchanged, with the same filters and sort.',
};

/**
 * Reads the orders table of the published snapshot and the types of its configured columns.
 * Raises ORDERS_NOT_CONFIGURED, NOTHING_PUBLISHED or ORDERS_UNAVAILABLE.
 */
export async function readPublishedOrders(source: OrdersSource): Promise<PublishedOrders> {
  const config = source.config;
  if (config === undefined) {
    throw new ApiError('ORDERS_NOT_CONFIGURED', {});
  }

  const published = await inspectPublishedSnapshot(source.layout);
  if (!published.ready) {
    throw new ApiError('NOTHING_PUBLISHED', {});
  }
  const { runId, folder: snapshotFolder, manifest } = published;
  const silverFileOf = (table: string): string => {
    const entry = manifest.tables.find((candidate) => candidate.table === table);
    if (entry === undefined) {
      throw new ApiError('ORDERS_UNAVAILABLE', { table, runId, column: null });
    }
    // The manifest is written by the pipeline, but a file outside the snapshot is never read.
    const file = path.resolve(snapshotFolder, entry.silverFile);
    if (!file.startsWith(snapshotFolder + path.sep)) {
      throw new Error(`silver file ${entry.silverFile} of table ${table} lies outside the snapshot folder`);
    }
    return file;
  };

  const file = silverFileOf(config.table);
  const joinedFiles = new Map<string, string>();
  for (const filter of config.filters) {
    for (const step of filter.via) {
      joinedFiles.set(step.table, silverFileOf(step.table));
    }
  }

  // Every column the queries name must exist, so a mismatch between aurora.yaml and the
  // snapshot is a clear 503 rather than a DuckDB binder error.
  const types = await withConnection(source.duckdb, async (connection) => {
    const byTable = new Map<string, Map<string, string>>([[config.table, await describeParquet(connection, file)]]);
    for (const [table, joinedFile] of joinedFiles) {
      byTable.set(table, await describeParquet(connection, joinedFile));
    }
    return byTable;
  });
  const requireColumn = (table: string, column: string): string => {
    const type = types.get(table)?.get(column);
    if (type === undefined) {
      throw new ApiError('ORDERS_UNAVAILABLE', { table, runId, column });
    }
    return type;
  };

  const columns = config.columns.map((column) => ({ name: column.name, type: requireColumn(config.table, column.name) }));
  for (const filter of config.filters) {
    let previousTable = config.table;
    for (const step of filter.via) {
      requireColumn(previousTable, step.from);
      requireColumn(step.table, step.to);
      previousTable = step.table;
    }
    requireColumn(previousTable, filter.column);
  }
  return { runId, config, file, columns, joinedFiles };
}

async function describeParquet(connection: DuckDBConnection, file: string): Promise<Map<string, string>> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(file)})`);
  return new Map(reader.getRowObjectsJson().map((row) => [String(row.column_name), String(row.column_type)]));
}

/**
 * Builds the filtered orders, ordered by the sort column and then by the key columns, all in
 * the sort's direction with NULL last, so the order is total even when sort values tie.
 */
export function selectOrders(orders: PublishedOrders, request: OrdersSelectionRequest): RowSelection {
  const { config } = orders;
  const sort = parseSort(config, request.sort);
  const keyColumns = [sort.column, ...config.key.filter((name) => name !== sort.column)];

  const parameters = new BoundParameters();
  const conditions: string[] = [];
  for (const [name, values] of request.filters) {
    const filter = config.filters.find((candidate) => candidate.name === name);
    if (filter === undefined) {
      // The route's schema admits only declared filters; this guards other callers.
      throw invalidParameter(name, unknownParameterReason(config));
    }
    const placeholders = values.map((value) => parameters.bind(value)).join(', ');
    if (filter.via.length === 0) {
      // A cast to VARCHAR cannot fail, so a value of the wrong type matches no row instead of raising a conversion error.
      conditions.push(`CAST(${quoteIdentifier(filter.column)} AS VARCHAR) IN (${placeholders})`);
    } else {
      conditions.push(joinedFilterCondition(orders, filter.via, filter.column, placeholders));
    }
  }

  if (request.from !== undefined || request.to !== undefined) {
    if (config.dateColumn === undefined) {
      throw invalidParameter(request.from !== undefined ? 'from' : 'to', {
        de: 'Diese Installation legt unter api.orders.date_column keine Datumsspalte fest, auf die sich ein Zeitraum anwenden ließe.',
        en: 'This deployment sets no date column under api.orders.date_column that a date range could apply to.',
      });
    }
    conditions.push(...dateRangeConditions(config.dateColumn, request.from, request.to, parameters));
  }

  return { columns: orders.columns, from: `read_parquet(${quoteLiteral(orders.file)})`, conditions, parameters, keyColumns, order: sort.order };
}

/**
 * Builds `key IN (SELECT … FROM joined tables WHERE column IN values)`: an order matches
 * when any row reached through the joins matches, and it appears once however many do.
 */
function joinedFilterCondition(orders: PublishedOrders, via: OrdersApiConfig['filters'][number]['via'], column: string, placeholders: string): string {
  const alias = (index: number): string => quoteIdentifier(`j${index}`);
  const first = via[0] as (typeof via)[number];
  const joins = via.slice(1).map((step, offset) => {
    const index = offset + 1;
    return `JOIN read_parquet(${quoteLiteral(orders.joinedFiles.get(step.table) as string)}) ${alias(index)} ON ${alias(index)}.${quoteIdentifier(step.to)} = ${alias(index - 1)}.${quoteIdentifier(step.from)}`;
  });
  const last = alias(via.length - 1);
  return [
    `${quoteIdentifier(first.from)} IN (SELECT ${alias(0)}.${quoteIdentifier(first.to)}`,
    `FROM read_parquet(${quoteLiteral(orders.joinedFiles.get(first.table) as string)}) ${alias(0)}`,
    ...joins,
    `WHERE CAST(${last}.${quoteIdentifier(column)} AS VARCHAR) IN (${placeholders}))`,
  ].join(' ');
}

/** Runs one page of the orders query; see selectOrders for the order. */
export async function queryOrdersPage(connection: DuckDBConnection, orders: PublishedOrders, request: OrdersRequest): Promise<OrdersPage> {
  const selection = selectOrders(orders, request);
  const sortText = `${selection.order === 'desc' ? '-' : ''}${selection.keyColumns[0] as string}`;
  const binding = { table: orders.config.table, sort: sortText, filters: filterDigest(request) };

  let afterKey: ApiValue[] | undefined;
  if (request.cursor !== undefined) {
    const key = decodeOrdersCursor(request.cursor, binding, selection.keyColumns.length);
    if (!(await cursorValuesRoundTrip(connection, key, keyTypesOf(selection)))) {
      throw invalidParameter('cursor', INVALID_CURSOR);
    }
    afterKey = key;
  }

  const page = await readSelectionPage(connection, selection, request.limit, afterKey);
  const nextCursor = page.nextKey === undefined ? null : encodeCursorJson({ t: binding.table, s: binding.sort, f: binding.filters, k: page.nextKey });
  return { rows: page.rows, nextCursor };
}

/** Parses `sort` (`COLUMN` or `-COLUMN`) against the allowlist, or returns the configured default. */
function parseSort(config: OrdersApiConfig, sort: string | undefined): { column: string; order: SortOrder } {
  if (sort === undefined) {
    return config.defaultSort;
  }
  const descending = sort.startsWith('-');
  const column = descending ? sort.slice(1) : sort;
  if (!config.sortable.includes(column)) {
    throw invalidParameter('sort', {
      de: `${JSON.stringify(column)} ist nicht sortierbar. Erlaubt: ${config.sortable.join(', ')}, jeweils mit - davor für absteigend.`,
      en: `${JSON.stringify(column)} is not sortable. Allowed: ${config.sortable.join(', ')}, each with a leading - for descending.`,
    });
  }
  return { column, order: descending ? 'desc' : 'asc' };
}

/**
 * Returns a digest of the filters, so a cursor only continues the query it came from. The
 * order of the values of one filter does not change the result, so it does not change the digest.
 */
function filterDigest(request: OrdersSelectionRequest): string {
  const names = [...request.filters.keys()].sort();
  const filters = names.map((name) => [name, [...new Set(request.filters.get(name))].sort()]);
  const canonical = JSON.stringify({ filters, from: request.from ?? null, to: request.to ?? null });
  return createHash('sha256').update(canonical, 'utf8').digest('base64url').slice(0, 22);
}

function decodeOrdersCursor(text: string, binding: { table: string; sort: string; filters: string }, keyLength: number): ApiValue[] {
  const candidate = decodeCursorJson(text);
  if (
    candidate === undefined ||
    candidate.t !== binding.table ||
    candidate.s !== binding.sort ||
    candidate.f !== binding.filters ||
    !Array.isArray(candidate.k) ||
    candidate.k.length !== keyLength ||
    !candidate.k.every(isKeyValue)
  ) {
    throw invalidParameter('cursor', INVALID_CURSOR);
  }
  return candidate.k;
}

/** Reason for a query parameter that is neither a fixed parameter nor a declared filter. */
export function unknownParameterReason(config: OrdersApiConfig | undefined, extra: readonly string[] = []): LocalizedText {
  const allowed = ['from', 'to', 'sort', ...extra, ...(config?.filters ?? []).map((filter) => filter.name)].join(', ');
  return { de: `unbekannter Parameter. Erlaubt sind ${allowed}.`, en: `unknown parameter. Allowed are ${allowed}.` };
}
