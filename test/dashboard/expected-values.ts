import assert from 'node:assert/strict';

/** Totals as GET /api/v1/kpis/:model/totals returns them. */
export interface TotalsBody {
  runId: string;
  groups: { key: Record<string, string | null>; rows: string; sums: Record<string, string | null> }[];
  truncated: boolean;
}

/** Adds decimal strings exactly with BigInt, independent of the dashboard's own arithmetic. */
export function sumDecimalStrings(values: readonly (string | null | undefined)[]): string {
  const present = values.filter((value): value is string => typeof value === 'string');
  const scale = Math.max(0, ...present.map((value) => value.split('.')[1]?.length ?? 0));
  let total = 0n;
  for (const value of present) {
    const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
    assert.ok(match, `decimal string expected, got ${value}`);
    const units = BigInt((match[2] ?? '0') + (match[3] ?? '').padEnd(scale, '0'));
    total += match[1] === '-' ? -units : units;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Adds up one measure over every group of a totals response. */
export function totalOf(body: TotalsBody, measure: string): string {
  return sumDecimalStrings(body.groups.map((group) => group.sums[measure]));
}

/** Formats an exact amount string as the browser should show it (Intl with string input). */
export function money(locale: 'de-DE' | 'en-GB', amount: string, currency = 'EUR'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount as Intl.StringNumericLiteral);
}

/** German amount: digits grouped by `.`, decimal comma, a no-break space and the euro sign. */
export const GERMAN_EURO = /^-?\d{1,3}(\.\d{3})*,\d{2}\u00a0€$/;
/** British English amount: euro sign first, digits grouped by `,`, decimal point. */
export const ENGLISH_EURO = /^-?€\d{1,3}(,\d{3})*\.\d{2}$/;
