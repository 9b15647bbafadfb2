import type { FastifyInstance } from 'fastify';

import type { OrdersApiConfig } from '../../config/types.js';
import { withConnection } from '../gold-models.js';
import { queryOrdersPage, readPublishedOrders, unknownParameterReason, type OrdersSelectionRequest, type OrdersSource } from '../orders-query.js';
import { rejectInvalidRequest, type FieldReasons } from '../query-validation.js';
import { requestLanguage } from '../request-language.js';
import { ERROR_RESPONSES, ORDERS_RESPONSE } from './response-schemas.js';

export const MAX_ORDERS_LIMIT = 500;
export const DEFAULT_ORDERS_LIMIT = 100;

/** Values per filter parameter and characters per value. */
const MAX_FILTER_VALUES = 50;
const MAX_FILTER_VALUE_LENGTH = 200;

/** The query string of the orders endpoint and of the order export. */
export type OrdersQuerystring = {
  from?: string;
  to?: string;
  sort?: string;
} & Record<string, string[] | string | number | undefined>;

/**
 * Builds the query-string schema of the filters and sort that the deployment declares, so the
 * OpenAPI document lists them. `extraProperties` adds the paging or export parameters.
 */
export function ordersQuerySchema(config: OrdersApiConfig | undefined, extraProperties: Record<string, object>): object {
  const filters = Object.fromEntries(
    (config?.filters ?? []).map((filter) => [
      filter.name,
      {
        type: 'array',
        items: { type: 'string', maxLength: MAX_FILTER_VALUE_LENGTH },
        maxItems: MAX_FILTER_VALUES,
        description: `Keeps rows whose ${filter.via.length === 0 ? filter.column : `${filter.via.map((step) => step.table).join(' → ')} ${filter.column}`}, as text, equals one of the values. Repeatable.`,
      },
    ]),
  );
  return {
    type: 'object',
    properties: {
      from: { type: 'string', format: 'date', description: `First day (inclusive) of ${config?.dateColumn ?? 'the date column'}, YYYY-MM-DD.` },
      to: { type: 'string', format: 'date', description: `Last day (inclusive) of ${config?.dateColumn ?? 'the date column'}, YYYY-MM-DD.` },
      sort: {
        type: 'string',
        pattern: '^-?[A-Za-z_][A-Za-z0-9_]{0,62}$',
        description: `A sortable column, with a leading - for descending.${config === undefined ? '' : ` Allowed: ${config.sortable.join(', ')}. Default: ${config.defaultSort.order === 'desc' ? '-' : ''}${config.defaultSort.column}.`}`,
      },
      ...filters,
      ...extraProperties,
    },
    // Fastify's ajv (removeAdditional: true) drops properties under `additionalProperties: false`
    // without an error, so a schema that no value matches is used to reject them.
    additionalProperties: { not: {} },
  };
}

/** Localized reasons for the orders parameters; `extra` lists the route's own parameters. */
export function ordersFieldReasons(config: OrdersApiConfig | undefined, extra: { fields: FieldReasons['fields']; names: readonly string[] }): FieldReasons {
  const filterReason = {
    de: `erlaubt sind höchstens ${MAX_FILTER_VALUES} Werte mit je höchstens ${MAX_FILTER_VALUE_LENGTH} Zeichen.`,
    en: `allowed are at most ${MAX_FILTER_VALUES} values of at most ${MAX_FILTER_VALUE_LENGTH} characters each.`,
  };
  return {
    fields: {
      from: { de: 'erwartet wird ein Datum im Format JJJJ-MM-TT, etwa 2025-01-31.', en: 'expected a date in the format YYYY-MM-DD, such as 2025-01-31.' },
      to: { de: 'erwartet wird ein Datum im Format JJJJ-MM-TT, etwa 2025-12-31.', en: 'expected a date in the format YYYY-MM-DD, such as 2025-12-31.' },
      sort: {
        de: 'erwartet wird einmal ein Spaltenname, mit - davor für absteigend, etwa -ORDER_DATE.',
        en: 'expected one column name, with a leading - for descending, such as -ORDER_DATE.',
      },
      ...Object.fromEntries((config?.filters ?? []).map((filter) => [filter.name, filterReason])),
      ...extra.fields,
    },
    fallback: unknownParameterReason(config, extra.names),
  };
}

/** Splits a validated query string into the filters and sort of an orders selection. */
export function ordersSelectionOf(config: OrdersApiConfig | undefined, query: OrdersQuerystring): OrdersSelectionRequest {
  const filters = new Map<string, string[]>();
  for (const filter of config?.filters ?? []) {
    const values = query[filter.name];
    if (Array.isArray(values)) {
      filters.set(filter.name, values);
    }
  }
  return {
    filters,
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(query.to !== undefined ? { to: query.to } : {}),
    ...(query.sort !== undefined ? { sort: query.sort } : {}),
  };
}

const PAGING_PROPERTIES = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_ORDERS_LIMIT, default: DEFAULT_ORDERS_LIMIT },
  cursor: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page.' },
};

const PAGING_REASONS = {
  names: ['limit', 'cursor'],
  fields: {
    limit: { de: `erwartet wird eine ganze Zahl von 1 bis ${MAX_ORDERS_LIMIT}.`, en: `expected a whole number from 1 to ${MAX_ORDERS_LIMIT}.` },
    cursor: { de: 'erwartet wird der nextCursor einer vorigen Antwort, unverändert.', en: 'expected the nextCursor of a previous response, unchanged.' },
  },
};

/** `/api/v1/orders`: filtered, sorted rows of the deployment's orders table, one page per request. */
export async function registerOrderRoutes(server: FastifyInstance, source: OrdersSource): Promise<void> {
  const reasons = ordersFieldReasons(source.config, PAGING_REASONS);

  server.get<{ Querystring: OrdersQuerystring & { limit: number; cursor?: string } }>(
    '/api/v1/orders',
    {
      attachValidation: true,
      schema: {
        tags: ['orders'],
        summary: 'Rows of the orders table',
        description:
          'Rows of the silver table named by api.orders in aurora.yaml, from the published snapshot. Filters and sortable columns are declared there; repeat a filter for several values. Page with limit and nextCursor. Decimals, 64-bit integers and dates are strings, NULL is null.',
        querystring: ordersQuerySchema(source.config, PAGING_PROPERTIES),
        response: { 200: ORDERS_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      rejectInvalidRequest(request, reasons);

      const language = requestLanguage(request);
      const orders = await readPublishedOrders(source);
      const query = request.query;
      const page = await withConnection(source.duckdb, (connection) =>
        queryOrdersPage(connection, orders, { ...ordersSelectionOf(orders.config, query), limit: query.limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) }),
      );
      const columns = orders.config.columns.map((column) => ({ name: column.name, label: column.label[language] }));
      return { runId: orders.runId, rows: page.rows, nextCursor: page.nextCursor, columns };
    },
  );
}
