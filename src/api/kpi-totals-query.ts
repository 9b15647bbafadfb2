import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import type { LocalizedText } from '../gold/load-models.js';
import { ApiError } from './api-error.js';
import type { PublishedModel } from './gold-models.js';
import { dateDimensionOf } from './kpi-query.js';

/** The grouping key that stands for the month of the model's date dimension. */
export const MONTH_GROUP = 'month';

/** Maximum groups in one response; the dashboard groups by month or by one small dimension. */
export const MAX_TOTAL_GROUPS = 5000;

/** A totals request after schema validation. queryKpiTotals checks its names against the model. */
export interface KpiTotalsRequest {
  filters: ReadonlyMap<string, readonly string[]>;
  from?: string;
  to?: string;
  /** Dimension names or `month`, at most two, in the order of the result's group keys. */
  groupBy: readonly string[];
}

/** One group: its key values (dimension text, `YYYY-MM-01` for month), the row count and each measure's sum. */
export interface KpiTotalsGroup {
  key: Record<string, string | null>;
  rows: string;
  sums: Record<string, string | null>;
}

export interface KpiTotals {
  groups: KpiTotalsGroup[];
  /** True when more groups matched than the limit and the rest were left out. */
  truncated: boolean;
}

/**
 * Sums every measure of the model over the filtered rows, per group. The sums are exact
 * (DECIMAL and HUGEINT, returned as text). A sum is only meaningful for additive measures:
 * for ratios and averages the caller derives the value from the sums of their parts.
 * At most `maxGroups` groups are returned, in key order.
 */
export async function queryKpiTotals(connection: DuckDBConnection, model: PublishedModel, request: KpiTotalsRequest, maxGroups = MAX_TOTAL_GROUPS): Promise<KpiTotals> {
  const parameters: DuckDBValue[] = [];
  const bind = (value: string | number): string => {
    parameters.push(value);
    return `$${parameters.length}`;
  };

  const conditions = filterConditions(model, request, bind);
  const groupExpressions = request.groupBy.map((group) => groupExpression(model, group));
  const measures = model.measures.filter((measure) => model.columns.some((column) => column.name === measure.name));

  const keyColumns = groupExpressions.map((expression, index) => `CAST(${expression} AS VARCHAR) AS ${quoteIdentifier(`k${index}`)}`);
  const sumColumns = measures.map((measure, index) => `CAST(sum(${quoteIdentifier(measure.name)}) AS VARCHAR) AS ${quoteIdentifier(`m${index}`)}`);
  const ordering = groupExpressions.map((_expression, index) => `${index + 1} ASC NULLS LAST`);
  const sql = [
    `SELECT ${[...keyColumns, 'CAST(count(*) AS VARCHAR) AS "rows"', ...sumColumns].join(', ')}`,
    `FROM read_parquet(${quoteLiteral(model.file)})`,
    conditions.length > 0 ? `WHERE ${conditions.join('\n  AND ')}` : '',
    groupExpressions.length > 0 ? `GROUP BY ALL ORDER BY ${ordering.join(', ')}` : '',
    // One group more than allowed shows whether the result was cut.
    `LIMIT ${bind(maxGroups + 1)}`,
  ].join('\n');

  const reader = await connection.runAndReadAll(sql, parameters);
  const rows = reader.getRowObjectsJson() as Record<string, string | null>[];
  const truncated = rows.length > maxGroups;

  const groups = rows.slice(0, maxGroups).map((row) => ({
    key: Object.fromEntries(request.groupBy.map((group, index) => [group, row[`k${index}`] ?? null])),
    rows: row.rows ?? '0',
    sums: Object.fromEntries(measures.map((measure, index) => [measure.name, row[`m${index}`] ?? null])),
  }));
  return { groups, truncated };
}

/** Builds the WHERE conditions for dimension filters and the date range, as /api/v1/kpis/:model applies them. */
function filterConditions(model: PublishedModel, request: KpiTotalsRequest, bind: (value: string) => string): string[] {
  const conditions: string[] = [];

  for (const [dimension, values] of request.filters) {
    if (!model.dimensions.includes(dimension)) {
      throw invalidParameter(`dim.${dimension}`, {
        de: `${JSON.stringify(dimension)} ist keine Dimension des Modells ${model.name}. Erlaubt: ${model.dimensions.join(', ')}.`,
        en: `${JSON.stringify(dimension)} is not a dimension of model ${model.name}. Allowed: ${model.dimensions.join(', ')}.`,
      });
    }
    conditions.push(`CAST(${quoteIdentifier(dimension)} AS VARCHAR) IN (${values.map((value) => bind(value)).join(', ')})`);
  }

  if (request.from === undefined && request.to === undefined) {
    return conditions;
  }

  const dateColumn = requireDateDimension(model, request.from !== undefined ? 'from' : 'to');
  if (request.from !== undefined && request.to !== undefined && request.from > request.to) {
    throw invalidParameter('to', { de: `${request.to} liegt vor from (${request.from}).`, en: `${request.to} is before from (${request.from}).` });
  }
  const column = quoteIdentifier(dateColumn);
  if (request.from !== undefined) {
    conditions.push(`${column} >= CAST(${bind(request.from)} AS DATE)`);
  }
  if (request.to !== undefined) {
    conditions.push(`${column} < CAST(${bind(request.to)} AS DATE) + INTERVAL 1 DAY`);
  }
  return conditions;
}

/** Returns the SQL expression of one group key: the month of the date dimension, or a declared dimension. */
function groupExpression(model: PublishedModel, group: string): string {
  if (group === MONTH_GROUP) {
    return `CAST(date_trunc('month', ${quoteIdentifier(requireDateDimension(model, 'groupBy'))}) AS DATE)`;
  }
  if (!model.dimensions.includes(group)) {
    throw invalidParameter('groupBy', {
      de: `${JSON.stringify(group)} ist weder month noch eine Dimension des Modells ${model.name}. Erlaubt: month, ${model.dimensions.join(', ')}.`,
      en: `${JSON.stringify(group)} is neither month nor a dimension of model ${model.name}. Allowed: month, ${model.dimensions.join(', ')}.`,
    });
  }
  return quoteIdentifier(group);
}

function requireDateDimension(model: PublishedModel, field: string): string {
  const dateColumn = dateDimensionOf(model);
  if (dateColumn === undefined) {
    throw invalidParameter(field, {
      de: `Das Modell ${model.name} hat keine Dimension vom Typ DATE oder TIMESTAMP.`,
      en: `Model ${model.name} has no dimension of type DATE or TIMESTAMP.`,
    });
  }
  return dateColumn.name;
}

function invalidParameter(field: string, reason: LocalizedText): ApiError<'INVALID_PARAMETER'> {
  return new ApiError('INVALID_PARAMETER', { field, reason });
}
