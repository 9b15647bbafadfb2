/**
 * Exact decimal arithmetic on the API's decimal strings (`"1234.50"`), with BigInt, so that
 * amounts never pass through binary floating point.
 */
interface ScaledDecimal {
  /** The number times 10^scale. */
  units: bigint;
  scale: number;
}

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Returns true when `text` is a plain decimal such as `-12.30`, the form the API uses. */
export function isDecimalText(text: string): boolean {
  return DECIMAL_TEXT.test(text);
}

function parse(text: string): ScaledDecimal {
  const match = DECIMAL_TEXT.exec(text);
  if (!match) {
    throw new Error(`not a decimal string: ${JSON.stringify(text)}`);
  }
  const [, sign = '', whole = '0', fraction = ''] = match;
  const units = BigInt(whole + fraction);
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

function rescale(value: ScaledDecimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** Adds decimal strings exactly; the result has the largest scale of the inputs. */
export function addDecimals(values: readonly string[]): string {
  const parsed = values.map(parse);
  const scale = Math.max(0, ...parsed.map((value) => value.scale));
  const total = parsed.reduce((sum, value) => sum + rescale(value, scale), 0n);
  return format(total, scale);
}

/**
 * Divides two decimal strings and rounds half away from zero to `scale` places. Returns null
 * for a zero denominator, because a ratio without a base (no revenue, no delivered orders) has no value.
 */
export function divideDecimals(numerator: string, denominator: string, scale: number): string | null {
  const top = parse(numerator);
  const bottom = parse(denominator);
  if (bottom.units === 0n) {
    return null;
  }

  // numerator / denominator * 10^scale, as integers: both brought to one scale first.
  const common = Math.max(top.scale, bottom.scale);
  const dividend = rescale(top, common) * 10n ** BigInt(scale) * 2n;
  const divisor = rescale(bottom, common);
  const doubled = dividend / divisor;
  const rounded = doubled >= 0n ? (doubled + 1n) / 2n : (doubled - 1n) / 2n;
  return format(rounded, scale);
}
