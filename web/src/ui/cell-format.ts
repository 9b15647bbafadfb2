import type { CellValue } from '../api/types.js';
import { formatDateTime, formatDecimal, formatMoney, formatNumericDate } from '../format/numbers.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const DECIMAL_WITH_FRACTION = /^-?\d+\.\d+$/;

/**
 * Formats one table cell from the API's JSON for the current locale. Dates and instants get the
 * locale's form; decimals with a fraction become amounts, in the row's CURRENCY when it has
 * one. Whole numbers stay as they are, because in these tables they are ids and order numbers.
 */
export function formatCell(value: CellValue, row: Record<string, CellValue>): string {
  if (value === null) {
    return '–';
  }
  if (typeof value !== 'string') {
    return String(value);
  }
  if (DATE.test(value)) {
    return formatNumericDate(value);
  }
  if (TIMESTAMP.test(value)) {
    // A timestamp without offset is taken as UTC, the form the pipeline stores.
    return formatDateTime(/[Zz]|[+-]\d{2}(:?\d{2})?$/.test(value) ? value : `${value}Z`);
  }
  if (DECIMAL_WITH_FRACTION.test(value)) {
    const currency = row.CURRENCY;
    return typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? formatMoney(value, currency) : formatDecimal(value, { min: 2, max: 4 });
  }
  return value;
}

/** Returns true for cells shown right-aligned: numbers and amounts. */
export function isNumericCell(value: CellValue): boolean {
  return typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value));
}
