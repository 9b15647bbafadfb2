import type { GoldModelInfo, ModelMeasure, TotalsGroup } from '../api/types.js';
import { addDecimals, divideDecimals, isDecimalText } from '../format/decimal.js';
import { formatCount, formatDecimal, formatMoney, formatPercent, isCurrencyUnit } from '../format/numbers.js';

/** The dimension whose value is the currency of an amount in `order currency` or `invoice currency`. */
export const CURRENCY_DIMENSION = 'CURRENCY';

/**
 * Ratios and averages of the example models, as numerator / denominator of two additive
 * measures of the same model. A sum of such a measure over rows would be wrong, so the
 * dashboard divides the sums of its parts instead, which is exact for any filter.
 * NOTE: the model YAML does not declare this, so a new ratio measure must be added here.
 */
const DERIVED_MEASURES: Readonly<Record<string, { numerator: string; denominator: string; display: 'percent' | 'number' | 'money' }>> = {
  MARGIN: { numerator: 'PROFIT', denominator: 'SALES', display: 'percent' },
  BOOK_TO_BILL: { numerator: 'ORDER_INTAKE_EUR', denominator: 'REVENUE_EUR', display: 'number' },
  ON_TIME_SHARE: { numerator: 'ON_TIME_ORDERS', denominator: 'DELIVERED_ORDERS', display: 'percent' },
  AVERAGE_ORDER_VALUE_EUR: { numerator: 'ORDER_INTAKE_EUR', denominator: 'ORDERS', display: 'money' },
};

/**
 * Measures that are counts of distinct things per row, so a sum over rows counts a thing once
 * per row it appears in: an order with lines in two product groups is in two rows of order_intake.
 */
const DISTINCT_COUNTS: ReadonlySet<string> = new Set(['order_intake.ORDERS']);

/** Places kept when dividing, before the display rounds. */
const RATIO_SCALE = 6;

/** The aggregation and display rule of one measure on the dashboard. */
export type MeasureKind =
  | { kind: 'sum' }
  | { kind: 'per-currency' }
  | { kind: 'derived'; numerator: string; denominator: string; display: 'percent' | 'number' | 'money' }
  | { kind: 'not-additive' };

export function measureKind(model: GoldModelInfo, measure: ModelMeasure): MeasureKind {
  const derived = DERIVED_MEASURES[measure.name];
  const names = new Set(model.measures.map((candidate) => candidate.name));
  if (derived !== undefined && names.has(derived.numerator) && names.has(derived.denominator)) {
    return { kind: 'derived', ...derived };
  }
  if (derived !== undefined || measure.unit === 'ratio' || DISTINCT_COUNTS.has(`${model.name}.${measure.name}`)) {
    return { kind: 'not-additive' };
  }
  if (!isCurrencyUnit(measure.unit) && model.dimensions.includes(CURRENCY_DIMENSION) && /currency|währung/i.test(measure.unit ?? '')) {
    return { kind: 'per-currency' };
  }
  return { kind: 'sum' };
}

/** Adds the sums of several groups per measure. A measure whose sums are all null stays null. */
export function combineSums(groups: readonly Record<string, string | null>[]): Record<string, string | null> {
  const names = new Set(groups.flatMap((sums) => Object.keys(sums)));
  const combined: Record<string, string | null> = {};
  for (const name of names) {
    const values = groups.map((sums) => sums[name]).filter((value): value is string => typeof value === 'string' && isDecimalText(value));
    combined[name] = values.length === 0 ? null : addDecimals(values);
  }
  return combined;
}

/**
 * Adds up groups that share the values of `keys` (a subset of their key) and orders the result
 * by those values, NULL last, as the API orders groups: totals per month and currency become
 * totals per currency with `keys` = [CURRENCY].
 */
export function regroup(groups: readonly TotalsGroup[], keys: readonly string[]): TotalsGroup[] {
  const merged = new Map<string, { key: Record<string, string | null>; members: TotalsGroup[] }>();
  for (const group of groups) {
    const key = Object.fromEntries(keys.map((name) => [name, group.key[name] ?? null]));
    const id = JSON.stringify(keys.map((name) => key[name]));
    const entry = merged.get(id) ?? { key, members: [] };
    entry.members.push(group);
    merged.set(id, entry);
  }

  const ordered = [...merged.values()].sort((a, b) => compareKeys(keys.map((name) => a.key[name] ?? null), keys.map((name) => b.key[name] ?? null)));
  return ordered.map(({ key, members }) => ({
    key,
    rows: members.reduce((sum, member) => sum + BigInt(member.rows), 0n).toString(),
    sums: combineSums(members.map((member) => member.sums)),
  }));
}

function compareKeys(left: readonly (string | null)[], right: readonly (string | null)[]): number {
  for (const [index, value] of left.entries()) {
    const other = right[index] ?? null;
    if (value === other) {
      continue;
    }
    if (value === null || other === null) {
      return value === null ? 1 : -1;
    }
    // Code-unit order, as DuckDB sorts VARCHAR, so the order matches the API's.
    return value < other ? -1 : 1;
  }
  return 0;
}

/**
 * Returns the exact value of a measure for one set of sums as a decimal string: the sum itself,
 * or numerator / denominator for a derived measure. Null when there is no value.
 */
export function measureValue(kind: MeasureKind, measureName: string, sums: Record<string, string | null>): string | null {
  if (kind.kind === 'derived') {
    const numerator = sums[kind.numerator];
    const denominator = sums[kind.denominator];
    return typeof numerator === 'string' && typeof denominator === 'string' ? divideDecimals(numerator, denominator, RATIO_SCALE) : null;
  }
  if (kind.kind === 'sum') {
    return sums[measureName] ?? null;
  }
  return null;
}

/** Formats a measure value for the current locale, by unit: money, percent, count or plain decimal. */
export function formatMeasureValue(kind: MeasureKind, unit: string | null, value: string): string {
  if (kind.kind === 'derived' && kind.display === 'percent') {
    return formatPercent(value);
  }
  if (kind.kind === 'derived' && kind.display === 'number') {
    return formatDecimal(value, { min: 2, max: 2 });
  }
  if (isCurrencyUnit(unit)) {
    return formatMoney(value, unit);
  }
  if (/^-?\d+$/.test(value)) {
    return formatCount(value);
  }
  return formatDecimal(value, { max: 2 });
}
