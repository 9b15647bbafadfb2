import { currentLocale } from '../i18n/language.js';

/** ISO 4217 codes the dashboard formats as currency; other units are shown after the number. */
const CURRENCY_UNITS = new Set(['EUR', 'USD', 'CNY', 'PLN', 'CHF', 'GBP']);

export function isCurrencyUnit(unit: string | null | undefined): unit is string {
  return unit !== null && unit !== undefined && CURRENCY_UNITS.has(unit);
}

/**
 * Formats a decimal string for the current locale, `1.234,56` in German. Intl.NumberFormat
 * takes the string as an exact decimal (ECMA-402 NumberFormat v3, Chromium 106 and later), so
 * no digit is rounded through a double.
 */
export function formatDecimal(text: string, fractionDigits: { min?: number; max?: number } = {}): string {
  const options: Intl.NumberFormatOptions = { minimumFractionDigits: fractionDigits.min ?? 0, maximumFractionDigits: fractionDigits.max ?? 2 };
  return new Intl.NumberFormat(currentLocale(), options).format(text as Intl.StringNumericLiteral);
}

/** Formats an amount string with its ISO currency: `1.234,56 €` in German, `€1,234.56` in English. */
export function formatMoney(text: string, currency: string): string {
  return new Intl.NumberFormat(currentLocale(), { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
    text as Intl.StringNumericLiteral,
  );
}

/** Formats a ratio string (`0.8734`) as a percentage: `87,3 %` in German. */
export function formatPercent(text: string): string {
  return new Intl.NumberFormat(currentLocale(), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(
    text as Intl.StringNumericLiteral,
  );
}

/** Formats a whole number given as string or number: `21.478` in German. */
export function formatCount(value: string | number): string {
  return new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: 0 }).format(value as Intl.StringNumericLiteral);
}

/** Formats an axis tick of the chart compactly: `1,2 Mio.` in German. */
export function formatAxisNumber(value: number): string {
  return new Intl.NumberFormat(currentLocale(), { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

/** Formats `YYYY-MM-DD` as numeric day, month and year: `31.12.2025`, `31/12/2025` in English. */
export function formatNumericDate(isoDate: string): string {
  const date = parseIsoDate(isoDate);
  return date === undefined ? isoDate : new Intl.DateTimeFormat(currentLocale(), { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(date);
}

/** Formats the month of `YYYY-MM-DD` for chart axes: `Jan. 2025` in German. */
export function formatMonth(isoDate: string, style: 'short' | 'long' = 'short'): string {
  const date = parseIsoDate(isoDate);
  if (date === undefined) {
    return isoDate;
  }
  const options: Intl.DateTimeFormatOptions =
    style === 'short' ? { month: 'short', year: 'numeric', timeZone: 'UTC' } : { month: 'long', year: 'numeric', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(currentLocale(), options).format(date);
}

/** Formats an ISO instant as date and time in Berlin time: `31.12.2025, 14:05`. */
export function formatDateTime(isoInstant: string): string {
  const date = new Date(isoInstant);
  if (Number.isNaN(date.getTime())) {
    return isoInstant;
  }
  return new Intl.DateTimeFormat(currentLocale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Berlin' }).format(date);
}

/** Formats milliseconds as seconds: `3,1 s`. */
export function formatDuration(milliseconds: number): string {
  return `${new Intl.NumberFormat(currentLocale(), { maximumFractionDigits: 1 }).format(milliseconds / 1000)} s`;
}

function parseIsoDate(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!match) {
    return undefined;
  }
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}
