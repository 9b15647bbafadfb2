import type { DuckDBInstance } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';

import type { LakeLayout } from '../../lake/lake-layout.js';
import { queryQuarantinePage, RULE_ID_PATTERN, TABLE_NAME_PATTERN } from '../quarantine-query.js';
import { rejectInvalidRequest, type FieldReasons } from '../query-validation.js';
import { requestLanguage } from '../request-language.js';
import { API_ROW_SCHEMA, ERROR_RESPONSES } from './response-schemas.js';
import { RUN_ID_PARAMS } from './runs.js';

export const MAX_QUARANTINE_LIMIT = 500;
export const DEFAULT_QUARANTINE_LIMIT = 100;

interface QuarantineQuerystring {
  table?: string;
  rule?: string;
  limit: number;
  cursor?: string;
}

const QUARANTINE_QUERY_SCHEMA = {
  type: 'object',
  properties: {
    table: { type: 'string', pattern: TABLE_NAME_PATTERN.source, description: 'A table of the run. Default: every table, in manifest order.' },
    rule: { type: 'string', pattern: RULE_ID_PATTERN.source, description: 'Only rows that failed this rule id.' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_QUARANTINE_LIMIT, default: DEFAULT_QUARANTINE_LIMIT },
    cursor: { type: 'string', minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page.' },
  },
  additionalProperties: { not: {} },
} as const;

const QUARANTINE_RESPONSE = {
  type: 'object',
  required: ['runId', 'rows', 'nextCursor'],
  properties: {
    runId: { type: 'string' },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        required: ['table', 'key', 'failures', 'values'],
        properties: {
          table: { type: 'string' },
          key: { type: 'object', additionalProperties: { type: ['string', 'null'] }, description: 'Primary key values as text.' },
          failures: {
            type: 'array',
            items: {
              type: 'object',
              required: ['ruleId', 'type', 'severity', 'column', 'value', 'message'],
              properties: {
                ruleId: { type: 'string' },
                type: { type: 'string' },
                severity: { type: 'string' },
                column: { type: ['string', 'null'] },
                value: { type: ['string', 'null'], description: 'The failing value as text.' },
                message: { type: 'string', description: 'In the language of Accept-Language, German by default.' },
              },
            },
          },
          values: { ...API_ROW_SCHEMA, description: 'The row as the source delivered it.' },
        },
      },
    },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;

const QUARANTINE_FIELD_REASONS: FieldReasons = {
  fields: {
    runId: {
      de: 'erwartet wird eine Lauf-ID wie 20261204T201559Z-3fa9c2 (Zeitstempel in UTC, Bindestrich, sechs Hex-Ziffern).',
      en: 'expected a run id such as 20261204T201559Z-3fa9c2 (UTC timestamp, dash, six hex digits).',
    },
    table: {
      de: 'erwartet wird einmal ein Tabellenname aus Buchstaben, Ziffern und _, beginnend mit einem Buchstaben oder _, höchstens 63 Zeichen.',
      en: 'expected one table name of letters, digits and _, starting with a letter or _, at most 63 characters.',
    },
    rule: {
      de: 'erwartet wird einmal eine Regel-ID aus Buchstaben, Ziffern, _, . und -, höchstens 128 Zeichen.',
      en: 'expected one rule id of letters, digits, _, . and -, at most 128 characters.',
    },
    limit: { de: `erwartet wird eine ganze Zahl von 1 bis ${MAX_QUARANTINE_LIMIT}.`, en: `expected a whole number from 1 to ${MAX_QUARANTINE_LIMIT}.` },
    cursor: { de: 'erwartet wird der nextCursor einer vorigen Antwort, unverändert.', en: 'expected the nextCursor of a previous response, unchanged.' },
  },
  fallback: { de: 'unbekannter Parameter. Erlaubt sind table, rule, limit und cursor.', en: 'unknown parameter. Allowed are table, rule, limit and cursor.' },
};

/**
 * `/api/v1/quality/:runId/quarantine`: the quarantined rows of a run with every rule they
 * failed. The rows are source rows and may hold personal data, so route-roles.ts limits the
 * route to data_engineer and admin.
 */
export async function registerQuarantineRoutes(server: FastifyInstance, source: { layout: LakeLayout; duckdb: DuckDBInstance }): Promise<void> {
  server.get<{ Params: { runId: string }; Querystring: QuarantineQuerystring }>(
    '/api/v1/quality/:runId/quarantine',
    {
      attachValidation: true,
      schema: {
        tags: ['runs'],
        summary: 'Quarantined rows of one run',
        description:
          'Rows of the run’s snapshot that failed at least one error rule, with every failed rule, the failing value and the message in the language of Accept-Language. Filter by table and rule; page with limit and nextCursor. 404 QUARANTINE_NOT_FOUND when the run has no snapshot (failed, or removed by retention).',
        params: RUN_ID_PARAMS,
        querystring: QUARANTINE_QUERY_SCHEMA,
        response: { 200: QUARANTINE_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      rejectInvalidRequest(request, QUARANTINE_FIELD_REASONS);

      const query = request.query;
      return queryQuarantinePage(
        source,
        {
          runId: request.params.runId,
          limit: query.limit,
          ...(query.table !== undefined ? { table: query.table } : {}),
          ...(query.rule !== undefined ? { rule: query.rule } : {}),
          ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
        },
        requestLanguage(request),
      );
    },
  );
}
