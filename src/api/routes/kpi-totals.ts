import type { FastifyInstance } from 'fastify';

import { MODEL_NAME_PATTERN } from '../../gold/load-models.js';
import { readPublishedModel, withConnection, type GoldModelSource } from '../gold-models.js';
import { KpiTotalsCache } from '../kpi-totals-cache.js';
import { queryKpiTotals } from '../kpi-totals-query.js';
import { rejectInvalidRequest, type FieldReasons } from '../query-validation.js';
import { DIMENSION_FILTER_PREFIX, MODEL_AND_FILTER_REASONS } from './kpis.js';

/** Memory for cached totals per server process, an estimate with room for the default view of every model and many filtered views. */
const CACHE_MAX_BYTES = 32 * 1024 * 1024;

interface KpiTotalsQuerystring {
  from?: string;
  to?: string;
  groupBy?: string[];
  [filter: `dim.${string}`]: string[] | undefined;
}

const TOTALS_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    from: { type: 'string', format: 'date', description: 'First day (inclusive) of the date dimension, YYYY-MM-DD.' },
    to: { type: 'string', format: 'date', description: 'Last day (inclusive) of the date dimension, YYYY-MM-DD.' },
    groupBy: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 128 },
      maxItems: 2,
      uniqueItems: true,
      description: '`month` (the month of the date dimension) or a declared dimension; repeat for two keys.',
    },
  },
  patternProperties: {
    '^dim\\..+$': { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 50 },
  },
  // Rejects unknown parameters, because Fastify's ajv would drop them silently under additionalProperties: false.
  additionalProperties: { not: {} },
} as const;

const TOTALS_FIELD_REASONS: FieldReasons = {
  fields: {
    ...MODEL_AND_FILTER_REASONS.fields,
    groupBy: {
      de: 'erlaubt sind höchstens zwei verschiedene Werte: month oder der Name einer Dimension.',
      en: 'allowed are at most two different values: month or the name of a dimension.',
    },
  },
  prefixes: MODEL_AND_FILTER_REASONS.prefixes,
  fallback: {
    de: 'unbekannter Parameter. Erlaubt sind from, to, groupBy und dim.<DIMENSION>.',
    en: 'unknown parameter. Allowed are from, to, groupBy and dim.<DIMENSION>.',
  },
};

/**
 * `/api/v1/kpis/:model/totals`: the sum of every measure over the filtered rows, in total or
 * per month and dimension. The dashboard's cards and chart read it, so that the browser never
 * pages through a model's rows to add them up.
 */
export async function registerKpiTotalsRoutes(server: FastifyInstance, source: GoldModelSource): Promise<void> {
  const cache = new KpiTotalsCache(CACHE_MAX_BYTES);

  server.get<{ Params: { model: string }; Querystring: KpiTotalsQuerystring }>(
    '/api/v1/kpis/:model/totals',
    {
      attachValidation: true,
      schema: {
        tags: ['gold'],
        summary: 'Sums of the measures of one gold model',
        description:
          'Sums of each measure over the rows that match the filters (dim.<DIMENSION>, from, to; as on /api/v1/kpis/:model), as one group or per groupBy key. Sums and row counts are strings with every digit. Sums of ratio or average measures are not meaningful.',
        params: {
          type: 'object',
          properties: { model: { type: 'string', pattern: MODEL_NAME_PATTERN.source } },
          required: ['model'],
        },
        querystring: TOTALS_QUERY_SCHEMA,
      },
    },
    async (request) => {
      rejectInvalidRequest(request, TOTALS_FIELD_REASONS);

      const filters = new Map<string, string[]>();
      for (const [key, values] of Object.entries(request.query)) {
        if (key.startsWith(DIMENSION_FILTER_PREFIX) && Array.isArray(values)) {
          filters.set(key.slice(DIMENSION_FILTER_PREFIX.length), values as string[]);
        }
      }

      const { runId, model } = await readPublishedModel(source, request.params.model);
      const totalsRequest = { filters, from: request.query.from, to: request.query.to, groupBy: request.query.groupBy ?? [] };

      // The measures are part of the key because the model's YAML is read per request and may list other ones.
      const key = JSON.stringify([
        runId,
        model.file,
        model.measures.map((measure) => measure.name),
        [...filters].sort(([a], [b]) => a.localeCompare(b)),
        totalsRequest.from ?? null,
        totalsRequest.to ?? null,
        totalsRequest.groupBy,
      ]);
      let totals = cache.get(key);
      if (totals === undefined) {
        totals = await withConnection(source.duckdb, (connection) => queryKpiTotals(connection, model, totalsRequest));
        cache.set(key, totals);
      }
      return { runId, model: model.name, groupBy: totalsRequest.groupBy, ...totals };
    },
  );
}
