import type { FastifyInstance } from 'fastify';

import { MODEL_NAME_PATTERN } from '../../gold/load-models.js';
import { readPublishedModel, withConnection, type GoldModelSource } from '../gold-models.js';
import { queryKpiPage, type SortOrder } from '../kpi-query.js';
import { rejectInvalidRequest, type FieldReasons } from '../query-validation.js';

/** Maximum page size. A client that needs more rows follows nextCursor. */
export const MAX_KPI_LIMIT = 1000;
export const DEFAULT_KPI_LIMIT = 100;

export const DIMENSION_FILTER_PREFIX = 'dim.';

interface KpiQuerystring {
  from?: string;
  to?: string;
  sort?: string;
  order: SortOrder;
  limit: number;
  cursor?: string;
  [filter: `dim.${string}`]: string[] | undefined;
}

export const KPI_PARAMS_SCHEMA = {
  type: 'object',
  properties: {
    model: { type: 'string', pattern: MODEL_NAME_PATTERN.source, description: 'Name of a gold model, as listed by /api/v1/models.' },
  },
  required: ['model'],
} as const;

export const KPI_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    from: { type: 'string', format: 'date', description: 'First day (inclusive) of the date dimension, YYYY-MM-DD.' },
    to: { type: 'string', format: 'date', description: 'Last day (inclusive) of the date dimension, YYYY-MM-DD.' },
    sort: { type: 'string', minLength: 1, maxLength: 128, description: 'A declared dimension or measure. Default: the first grain column.' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_KPI_LIMIT, default: DEFAULT_KPI_LIMIT },
    cursor: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page.' },
  },
  // dim.<DIMENSION>=<value> may repeat. The handler checks the name against the model.
  patternProperties: {
    '^dim\\..+$': { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 50 },
  },
  // Fastify's ajv (removeAdditional: true) drops properties under `additionalProperties: false`
  // without an error, so a schema that no value matches is used to reject them.
  additionalProperties: { not: {} },
} as const;

/** Reasons for the model, the date range and the dimension filters, which the rows and the totals routes share. */
export const MODEL_AND_FILTER_REASONS = {
  fields: {
    model: {
      de: 'erwartet wird ein Modellname aus Kleinbuchstaben, Ziffern und _, beginnend mit einem Buchstaben, höchstens 63 Zeichen.',
      en: 'expected a model name of lower-case letters, digits and _, starting with a letter, at most 63 characters.',
    },
    from: { de: 'erwartet wird ein Datum im Format JJJJ-MM-TT, etwa 2017-01-31.', en: 'expected a date in the format YYYY-MM-DD, such as 2017-01-31.' },
    to: { de: 'erwartet wird ein Datum im Format JJJJ-MM-TT, etwa 2017-12-31.', en: 'expected a date in the format YYYY-MM-DD, such as 2017-12-31.' },
  },
  prefixes: {
    [DIMENSION_FILTER_PREFIX]: {
      de: 'erlaubt sind höchstens 50 Werte je Dimension mit je höchstens 200 Zeichen.',
      en: 'allowed are at most 50 values per dimension of at most 200 characters each.',
    },
  },
} satisfies Omit<FieldReasons, 'fallback'>;

export const KPI_FIELD_REASONS: FieldReasons = {
  fields: {
    ...MODEL_AND_FILTER_REASONS.fields,
    sort: {
      de: 'erwartet wird einmal der Name einer Dimension oder Kennzahl, höchstens 128 Zeichen.',
      en: 'expected the name of one dimension or measure, at most 128 characters.',
    },
    order: { de: 'erlaubt sind asc und desc.', en: 'allowed are asc and desc.' },
    limit: { de: `erwartet wird eine ganze Zahl von 1 bis ${MAX_KPI_LIMIT}.`, en: `expected a whole number from 1 to ${MAX_KPI_LIMIT}.` },
    cursor: {
      de: 'erwartet wird der nextCursor einer vorigen Antwort, unverändert.',
      en: 'expected the nextCursor of a previous response, unchanged.',
    },
  },
  prefixes: MODEL_AND_FILTER_REASONS.prefixes,
  fallback: {
    de: 'unbekannter Parameter. Erlaubt sind from, to, sort, order, limit, cursor und dim.<DIMENSION>.',
    en: 'unknown parameter. Allowed are from, to, sort, order, limit, cursor and dim.<DIMENSION>.',
  },
};

/** `/api/v1/kpis/:model`: filtered, sorted rows of one gold model, one page per request. */
export async function registerKpiRoutes(server: FastifyInstance, source: GoldModelSource): Promise<void> {
  server.get<{ Params: { model: string }; Querystring: KpiQuerystring }>(
    '/api/v1/kpis/:model',
    {
      attachValidation: true,
      schema: {
        tags: ['gold'],
        summary: 'Rows of one gold model',
        description:
          'Rows of the model in the published snapshot. Filter with dim.<DIMENSION>=<value> (repeatable), from/to on the DATE or TIMESTAMP dimension, sort and order on a declared column, and page with limit and nextCursor. Decimals, 64-bit integers and dates are strings.',
        params: KPI_PARAMS_SCHEMA,
        querystring: KPI_QUERY_SCHEMA,
      },
    },
    async (request) => {
      rejectInvalidRequest(request, KPI_FIELD_REASONS);

      const query = request.query;
      const filters = new Map<string, string[]>();
      for (const [key, values] of Object.entries(query)) {
        if (key.startsWith(DIMENSION_FILTER_PREFIX) && Array.isArray(values)) {
          filters.set(key.slice(DIMENSION_FILTER_PREFIX.length), values as string[]);
        }
      }

      const { runId, model } = await readPublishedModel(source, request.params.model);
      const page = await withConnection(source.duckdb, (connection) =>
        queryKpiPage(connection, model, {
          filters,
          from: query.from,
          to: query.to,
          sort: query.sort,
          order: query.order,
          limit: query.limit,
          cursor: query.cursor,
        }),
      );
      return { runId, model: model.name, rows: page.rows, nextCursor: page.nextCursor };
    },
  );
}
