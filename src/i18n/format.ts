import { localeOf, type Language } from './language.js';

/** Formats an integer count with the locale's grouping: `2.147.832` in German. */
export function formatCount(language: Language, value: number | bigint): string {
  return new Intl.NumberFormat(localeOf(language), { maximumFractionDigits: 0 }).format(value);
}

/** Formats a ratio (0.028) as a percentage with the given decimals: `2,80 %` in German. */
export function formatPercent(language: Language, ratio: number, fractionDigits = 2): string {
  return new Intl.NumberFormat(localeOf(language), {
    style: 'percent',
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  }).format(ratio);
}

/** Formats a duration in milliseconds as seconds with the locale's decimal sign: `1,25 s`. */
export function formatSeconds(language: Language, milliseconds: number): string {
  const seconds = new Intl.NumberFormat(localeOf(language), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
    milliseconds / 1000,
  );
  return `${seconds} s`;
}

/**
 * Formats an exact decimal given as text (`1234.5`) with the locale's separators
 * (`1.234,50` in German) without converting it to a JS number, so no digit is lost.
 */
export function formatDecimalText(language: Language, text: string, fractionDigits?: number): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) {
    return text;
  }

  const [, sign = '', integerPart = '0', fractionPart = ''] = match;
  const groupSeparator = language === 'de' ? '.' : ',';
  const decimalSeparator = language === 'de' ? ',' : '.';
  const grouped = integerPart.replace(/\B(?=(\d{3})+(?!\d))/g, groupSeparator);
  const fraction = fractionDigits === undefined ? fractionPart : fractionPart.padEnd(fractionDigits, '0').slice(0, fractionDigits);

  return fraction.length > 0 ? `${sign}${grouped}${decimalSeparator}${fraction}` : `${sign}${grouped}`;
}

/** Formats an instant as date and time in the locale and zone: `31.12.2025, 14:05:09` in German. */
export function formatDateTime(language: Language, instant: Date, timeZone = 'Europe/Berlin'): string {
  return new Intl.DateTimeFormat(localeOf(language), {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone,
  }).format(instant);
}
