import type { DuckDBConnection } from '@duckdb/node-api';

import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import type { ColumnType, LocalizedText } from '../gold/load-models.js';
import type { PublishedModel } from './gold-models.js';
import { cachedKpiPage } from './kpi-page-cache.js';
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

export type { SortOrder } from './keyset-page.js';

/** The filters and order of a KPI request after schema validation; the exports take the same. */
export interface KpiSelectionRequest {
  /** Dimension name to the accepted values; several values of one dimension match any of them. */
  filters: ReadonlyMap<string, readonly string[]>;
  /** Inclusive first day, `YYYY-MM-DD`. */
  from?: string;
  /** Inclusive last day, `YYYY-MM-DD`. */
  to?: string;
  sort?: string;
  order: SortOrder;
}

/** A KPI request after schema validation. queryKpiPage checks its column names against the model. */
export interface KpiRequest extends KpiSelectionRequest {
  limit: number;
  cursor?: string;
}

/** A cell value as the API returns it: decimals, 64-bit integers and dates as strings. */
export type KpiValue = ApiValue;

export interface KpiPage {
  rows: ApiRow[];
  nextCursor: string | null;
}

/** The decoded content of a cursor: the query it belongs to and the last row's key values. */
interface CursorContent {
  model: string;
  sort: string;
  order: SortOrder;
  key: KpiValue[];
}

const DATE_LIKE_TYPE = /^(DATE|TIMESTAMP)/;

/** Returns the first dimension whose Parquet type is DATE or TIMESTAMP, the one `from`/`to` apply to. */
export function dateDimensionOf(model: PublishedModel): ColumnType | undefined {
  return model.columns.find((column) => model.dimensions.includes(column.name) && DATE_LIKE_TYPE.test(column.type));
}

/**
 * Builds the filtered rows of a model, ordered by the sort column, then by the grain columns,
 * all in `order` with NULL last. The order is total, so a cursor (the key values of a page's
 * last row) continues exactly after that row.
 */
export function selectKpiRows(model: PublishedModel, request: KpiSelectionRequest): RowSelection {
  const sort = request.sort ?? model.grain[0] ?? model.dimensions[0] ?? (model.columns[0]?.name as string);
  checkSortColumn(model, sort);
  const keyColumns = [sort, ...(model.grain.length > 0 ? model.grain : model.dimensions).filter((name) => name !== sort)];

  const parameters = new BoundParameters();
  const conditions: string[] = [];

  for (const [dimension, values] of request.filters) {
    if (!model.dimensions.includes(dimension)) {
      throw unknownDimension(model, dimension);
    }
    // A cast to VARCHAR cannot fail, so a value of the wrong type matches no row instead of raising a conversion error.
    conditions.push(`CAST(${quoteIdentifier(dimension)} AS VARCHAR) IN (${values.map((value) => parameters.bind(value)).join(', ')})`);
  }

  if (request.from !== undefined || request.to !== undefined) {
    const dateColumn = dateDimensionOf(model);
    if (dateColumn === undefined) {
      throw invalidParameter(request.from !== undefined ? 'from' : 'to', {
        de: `Das Modell ${model.name} hat keine Dimension vom Typ DATE oder TIMESTAMP, auf die sich ein Zeitraum anwenden ließe.`,
        en: `Model ${model.name} has no dimension of type DATE or TIMESTAMP that a date range could apply to.`,
      });
    }
    conditions.push(...dateRangeConditions(dateColumn.name, request.from, request.to, parameters));
  }

  return { columns: model.columns, from: `read_parquet(${quoteLiteral(model.file)})`, conditions, parameters, keyColumns, order: request.order };
}

/**
 * Returns the conditions of an inclusive day range on a DATE or TIMESTAMP column. Raises
 * INVALID_PARAMETER for `to` when it lies before `from`.
 */
export function dateRangeConditions(column: string, from: string | undefined, to: string | undefined, parameters: BoundParameters): string[] {
  if (from !== undefined && to !== undefined && from > to) {
    throw invalidParameter('to', { de: `${to} liegt vor from (${from}).`, en: `${to} is before from (${from}).` });
  }
  const quoted = quoteIdentifier(column);
  const conditions: string[] = [];
  if (from !== undefined) {
    conditions.push(`${quoted} >= CAST(${parameters.bind(from)} AS DATE)`);
  }
  if (to !== undefined) {
    conditions.push(`${quoted} < CAST(${parameters.bind(to)} AS DATE) + INTERVAL 1 DAY`);
  }
  return conditions;
}

/**
 * Runs one page of the KPI query; see selectKpiRows for the order. Pages are cached per gold
 * file and request (kpi-page-cache.ts), so a repeated request runs no query.
 */
export async function queryKpiPage(connection: DuckDBConnection, model: PublishedModel, request: KpiRequest): Promise<KpiPage> {
  return cachedKpiPage(model, request, () => runKpiPageQuery(connection, model, request));
}

async function runKpiPageQuery(connection: DuckDBConnection, model: PublishedModel, request: KpiRequest): Promise<KpiPage> {
  const selection = selectKpiRows(model, request);
  const sort = selection.keyColumns[0] as string;

  let afterKey: KpiValue[] | undefined;
  if (request.cursor !== undefined) {
    const cursor = decodeCursor(request.cursor, model.name, sort, request.order, selection.keyColumns.length);
    if (!(await cursorValuesRoundTrip(connection, cursor.key, keyTypesOf(selection)))) {
      throw invalidParameter('cursor', INVALID_CURSOR);
    }
    afterKey = cursor.key;
  }

  const page = await readSelectionPage(connection, selection, request.limit, afterKey);
  const nextCursor = page.nextKey === undefined ? null : encodeCursor({ model: model.name, sort, order: request.order, key: page.nextKey });
  return { rows: page.rows, nextCursor };
}

/** Raises INVALID_PARAMETER for `sort` unless it names a declared dimension or measure. */
export function checkSortColumn(model: PublishedModel, sort: string): void {
  if (!model.columns.some((column) => column.name === sort)) {
    throw invalidParameter('sort', {
      de: `${JSON.stringify(sort)} ist keine Dimension oder Kennzahl des Modells ${model.name}. Erlaubt: ${model.columns.map((column) => column.name).join(', ')}.`,
      en: `${JSON.stringify(sort)} is not a dimension or measure of model ${model.name}. Allowed: ${model.columns.map((column) => column.name).join(', ')}.`,
    });
  }
}

function unknownDimension(model: PublishedModel, dimension: string) {
  return invalidParameter(`dim.${dimension}`, {
    de: `${JSON.stringify(dimension)} ist keine Dimension des Modells ${model.name}. Erlaubt: ${model.dimensions.join(', ')}.`,
    en: `${JSON.stringify(dimension)} is not a dimension of model ${model.name}. Allowed: ${model.dimensions.join(', ')}.`,
  });
}

function encodeCursor(content: CursorContent): string {
  return encodeCursorJson({ m: content.model, s: content.sort, o: content.order, k: content.key });
}

const INVALID_CURSOR: LocalizedText = {
  de: 'der Cursor ist beschädigt oder gehört zu einer anderen Abfrage. Den nextCursor der vorigen Seite unverändert übergeben, mit demselben Modell, sort und order.',
  en: 'the cursor is damaged or belongs to another query. Pass the previous page’s nextCursor unchanged, with the same model, sort and order.',
};

function decodeCursor(text: string, model: string, sort: string, order: SortOrder, keyLength: number): CursorContent {
  const candidate = decodeCursorJson(text);
  if (
    candidate === undefined ||
    candidate.m !== model ||
    candidate.s !== sort ||
    candidate.o !== order ||
    !Array.isArray(candidate.k) ||
    candidate.k.length !== keyLength ||
    !candidate.k.every(isKeyValue)
  ) {
    throw invalidParameter('cursor', INVALID_CURSOR);
  }
  return { model, sort, order, key: candidate.k };
}
