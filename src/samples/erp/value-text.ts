import type { AmountTextFormat } from './order-model.js';

/** Formats cents as the plain decimal text the targets store: `-1234.50`. */
export function decimalText(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const absolute = Math.abs(cents);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`;
}

/** Formats grams as kilograms with three decimals: `12.345`. */
export function kilogramText(grams: number): string {
  return `${Math.floor(grams / 1000)}.${String(grams % 1000).padStart(3, '0')}`;
}

/** Formats basis points as a percentage with two decimals: 1250 gives `12.50`. */
export function percentText(basisPoints: number): string {
  return `${Math.floor(basisPoints / 100)}.${String(basisPoints % 100).padStart(2, '0')}`;
}

/**
 * Formats cents as the legacy screens wrote amounts: `1.234,56` (de), `1,234.56` (en),
 * `1234.56` (plain) or `1234,56` (de without grouping). All four convert with the number
 * formats `de` or `en` of the `convertible` rule.
 */
export function amountText(cents: number, format: AmountTextFormat): string {
  const sign = cents < 0 ? '-' : '';
  const absolute = Math.abs(cents);
  const whole = String(Math.floor(absolute / 100));
  const fraction = String(absolute % 100).padStart(2, '0');

  switch (format) {
    case 'de':
      return `${sign}${groupThousands(whole, '.')},${fraction}`;
    case 'en':
      return `${sign}${groupThousands(whole, ',')}.${fraction}`;
    case 'plain':
      return `${sign}${whole}.${fraction}`;
    case 'de-ungrouped':
      return `${sign}${whole},${fraction}`;
  }
}

function groupThousands(digits: string, separator: string): string {
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) {
    groups.unshift(digits.slice(Math.max(0, end - 3), end));
  }
  return groups.join(separator);
}
