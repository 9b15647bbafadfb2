import type { FastifyInstance, FastifyReply, onRequestHookHandler } from 'fastify';
import { Counter, type Registry } from 'prom-client';

import type { Language } from '../../i18n/language.js';
import { ApiError } from '../api-error.js';
import type { ExportColumn } from '../export-cells.js';
import { csvStream, EXPORT_CONTENT_TYPES, streamCsvLines, streamSelectionRows, xlsxStream, type ExportFormat } from '../export-writers.js';
import { readPublishedModel, withConnection, type GoldModelSource } from '../gold-models.js';
import { countSelection, type RowSelection } from '../keyset-page.js';
import { selectKpiRows, type SortOrder } from '../kpi-query.js';
import { readPublishedOrders, selectOrders, type OrdersSource } from '../orders-query.js';
import { rejectInvalidRequest, type FieldReasons } from '../query-validation.js';
import { requestLanguage } from '../request-language.js';
import { DIMENSION_FILTER_PREFIX, KPI_FIELD_REASONS, KPI_PARAMS_SCHEMA, KPI_QUERY_SCHEMA } from './kpis.js';
import { ERROR_RESPONSES } from './response-schemas.js';
import { ordersFieldReasons, ordersQuerySchema, ordersSelectionOf, type OrdersQuerystring } from './orders.js';

export interface ExportRouteOptions {
  gold: GoldModelSource;
  orders: OrdersSource;
  /** The server's metrics registry, which gets aurora_report_generations_total. */
  registry: Registry;
  /** Exports with more rows are rejected with EXPORT_TOO_LARGE before any row is read. */
  maxRows: number;
}

interface ExportQuerystring {
  format: ExportFormat;
  lang?: Language;
}

/** The parameters every export has on top of the filters of its JSON endpoint. */
const EXPORT_PROPERTIES = {
  format: { type: 'string', enum: ['csv', 'xlsx'], description: 'csv: ; separated with decimal comma in German, , separated in English. xlsx: one sheet with typed cells.' },
  lang: { type: 'string', enum: ['de', 'en'], description: 'Language of headers, dates and number format. Default: Accept-Language, else German.' },
} as const;

const EXPORT_REASONS = {
  names: ['format', 'lang'],
  fields: {
    format: { de: 'erlaubt sind csv und xlsx.', en: 'allowed are csv and xlsx.' },
    lang: { de: 'erlaubt sind de und en.', en: 'allowed are de and en.' },
  },
};

/** Describes the file for the OpenAPI document; the body is a CSV or XLSX stream. */
const FILE_RESPONSE = {
  200: {
    description: 'The file as an attachment: text/csv (UTF-8 with BOM) or an XLSX workbook.',
    content: {
      [EXPORT_CONTENT_TYPES.csv]: { schema: { type: 'string' } },
      [EXPORT_CONTENT_TYPES.xlsx]: { schema: { type: 'string', format: 'binary' } },
    },
  },
  ...ERROR_RESPONSES,
} as const;

/** Sheet names per export kind; Excel allows at most 31 characters. */
const ORDERS_SHEET_NAME: Readonly<Record<Language, string>> = { de: 'Aufträge', en: 'Orders' };

/**
 * `/api/v1/exports/kpis/:model` and `/api/v1/exports/orders`: the rows of the JSON endpoints
 * with the same filters and sort, as one CSV or XLSX file without paging.
 */
export async function registerExportRoutes(server: FastifyInstance, options: ExportRouteOptions): Promise<void> {
  const generations = new Counter({
    name: 'aurora_report_generations_total',
    help: 'CSV and XLSX exports written to the end, by format (csv, xlsx) and kind (kpis, orders).',
    labelNames: ['format', 'kind'],
    registers: [options.registry],
  });

  // Exports have no paging, so limit and cursor fall through to the unknown-parameter reason.
  const { limit: _limitReason, cursor: _cursorReason, ...kpiFieldReasons } = KPI_FIELD_REASONS.fields;
  const kpiReasons: FieldReasons = {
    fields: { ...kpiFieldReasons, ...EXPORT_REASONS.fields },
    ...(KPI_FIELD_REASONS.prefixes ? { prefixes: KPI_FIELD_REASONS.prefixes } : {}),
    fallback: {
      de: 'unbekannter Parameter. Erlaubt sind format, lang, from, to, sort, order und dim.<DIMENSION>.',
      en: 'unknown parameter. Allowed are format, lang, from, to, sort, order and dim.<DIMENSION>.',
    },
  };
  const { limit: _limit, cursor: _cursor, ...kpiFilterProperties } = KPI_QUERY_SCHEMA.properties;

  server.get<{ Params: { model: string }; Querystring: ExportQuerystring & { from?: string; to?: string; sort?: string; order: SortOrder } & Record<string, unknown> }>(
    '/api/v1/exports/kpis/:model',
    {
      attachValidation: true,
      onRequest: languageFromQuery,
      schema: {
        tags: ['exports'],
        summary: 'Rows of one gold model as CSV or XLSX',
        description: `The rows of GET /api/v1/kpis/:model with the same filters and sort, without paging. At most ${options.maxRows} rows, else 400 EXPORT_TOO_LARGE.`,
        params: KPI_PARAMS_SCHEMA,
        querystring: { ...KPI_QUERY_SCHEMA, properties: { ...kpiFilterProperties, ...EXPORT_PROPERTIES }, required: ['format'] },
        response: FILE_RESPONSE,
      },
    },
    async (request, reply) => {
      rejectInvalidRequest(request, kpiReasons);

      const query = request.query;
      const language = requestLanguage(request);
      const filters = new Map<string, string[]>();
      for (const [key, values] of Object.entries(query)) {
        if (key.startsWith(DIMENSION_FILTER_PREFIX) && Array.isArray(values)) {
          filters.set(key.slice(DIMENSION_FILTER_PREFIX.length), values as string[]);
        }
      }

      const { runId, model } = await readPublishedModel(options.gold, request.params.model);
      const selection = selectKpiRows(model, { filters, from: query.from, to: query.to, sort: query.sort, order: query.order });
      const columns = selection.columns.map((column) => ({ ...column, header: model.labels[column.name]?.[language] ?? column.name }));
      // Model names are at most 63 characters of [a-z0-9_], so cutting to 31 leaves a valid sheet name.
      return sendExport(reply, options, selection, {
        format: query.format,
        language,
        columns,
        fileName: `${model.name}-${runId}`,
        sheetName: model.name.slice(0, 31),
        onComplete: () => generations.inc({ format: query.format, kind: 'kpis' }),
      });
    },
  );

  const ordersReasons = ordersFieldReasons(options.orders.config, EXPORT_REASONS);
  server.get<{ Querystring: OrdersQuerystring & ExportQuerystring }>(
    '/api/v1/exports/orders',
    {
      attachValidation: true,
      onRequest: languageFromQuery,
      schema: {
        tags: ['exports'],
        summary: 'Rows of the orders table as CSV or XLSX',
        description: `The rows of GET /api/v1/orders with the same filters and sort, without paging. At most ${options.maxRows} rows, else 400 EXPORT_TOO_LARGE.`,
        querystring: { ...ordersQuerySchema(options.orders.config, EXPORT_PROPERTIES), required: ['format'] },
        response: FILE_RESPONSE,
      },
    },
    async (request, reply) => {
      rejectInvalidRequest(request, ordersReasons);

      const query = request.query;
      const language = requestLanguage(request);
      const orders = await readPublishedOrders(options.orders);
      const selection = selectOrders(orders, ordersSelectionOf(orders.config, query));
      const labels = new Map(orders.config.columns.map((column) => [column.name, column.label[language]]));
      const columns = selection.columns.map((column) => ({ ...column, header: labels.get(column.name) ?? column.name }));
      return sendExport(reply, options, selection, {
        format: query.format,
        language,
        columns,
        fileName: `orders-${orders.runId}`,
        sheetName: ORDERS_SHEET_NAME[language],
        onComplete: () => generations.inc({ format: query.format, kind: 'orders' }),
      });
    },
  );
}

/**
 * Lets a valid `lang` replace Accept-Language, so a link fixes the language of the file and of
 * error messages alike (error-handler.ts reads the header). It runs before the authentication
 * check, which appends its own onRequest hook after the route's.
 */
const languageFromQuery: onRequestHookHandler = async (request) => {
  const lang = (request.query as Record<string, unknown>).lang;
  if (lang === 'de' || lang === 'en') {
    request.headers['accept-language'] = lang;
  }
};

interface ExportFile {
  format: ExportFormat;
  language: Language;
  columns: ExportColumn[];
  /** File name without extension; reduced to [A-Za-z0-9._-] before it goes into the header. */
  fileName: string;
  sheetName: string;
  onComplete: () => void;
}

/**
 * Counts the rows first, so an export over the cap fails with a clear 400 before the headers
 * are sent, then streams the file.
 */
async function sendExport(reply: FastifyReply, options: ExportRouteOptions, selection: RowSelection, file: ExportFile): Promise<FastifyReply> {
  const rows = await withConnection(options.gold.duckdb, (connection) => countSelection(connection, selection));
  if (rows > options.maxRows) {
    throw new ApiError('EXPORT_TOO_LARGE', { rows, maxRows: options.maxRows });
  }

  const body =
    file.format === 'csv'
      ? csvStream(file.columns, streamCsvLines(options.gold.duckdb, selection, file.language), file.language, file.onComplete)
      : xlsxStream(file.columns, streamSelectionRows(options.gold.duckdb, selection), file.language, file.sheetName, file.onComplete);

  const safeName = `${file.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}.${file.format}`;
  return reply
    .header('content-type', EXPORT_CONTENT_TYPES[file.format])
    .header('content-disposition', `attachment; filename="${safeName}"`)
    .header('content-language', file.language)
    .header('cache-control', 'no-store')
    .send(body);
}
