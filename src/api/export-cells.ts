import type { Language } from '../i18n/language.js';
import type { ApiValue } from './keyset-page.js';

/**
 * Export cell formatting: column kinds, the CSV dialect per language and XLSX cell values.
 * Values arrive as API values (decimals and 64-bit integers as strings), so no digit passes
 * through a double unless the XLSX writer has checked that the double represents it exactly.
 */

/** A column of an export: name, DuckDB type and the header in the export's language. */
export interface ExportColumn {
  name: string;
  type: string;
  header: string;
}

export type ColumnKind = 'integer' | 'decimal' | 'float' | 'date' | 'timestamp' | 'boolean' | 'text';

/** Classifies a DuckDB type name as printed by DESCRIBE. */
export function columnKindOf(type: string): ColumnKind {
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(type)) {
    return 'integer';
  }
  if (type.startsWith('DECIMAL')) {
    return 'decimal';
  }
  if (/^(FLOAT|REAL|DOUBLE)$/.test(type)) {
    return 'float';
  }
  if (type === 'DATE') {
    return 'date';
  }
  if (type.startsWith('TIMESTAMP')) {
    return 'timestamp';
  }
  return type === 'BOOLEAN' ? 'boolean' : 'text';
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)(.*)$/;

/** CSV conventions per language: German Excel expects `;` and a decimal comma. */
export const CSV_DIALECT: Readonly<Record<Language, { separator: string }>> = {
  de: { separator: ';' },
  en: { separator: ',' },
};

/**
 * Quotes a header field per RFC 4180 when it contains the separator, a quote or a line break.
 * export-csv.ts quotes the values.
 */
export function quoteCsv(text: string, separator: string): string {
  if (text.includes(separator) || text.includes('"') || text.includes('\n') || text.includes('\r')) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

/** An XLSX cell: the value exceljs writes and the number format, if any. */
export interface XlsxCell {
  value: string | number | boolean | Date | null;
  numFmt?: string;
}

/**
 * Returns true when the decimal text survives the conversion to a double and back unchanged
 * (ignoring leading and trailing zeros), so a numeric cell shows exactly the lake's value.
 * `0.1` passes, because the shortest text of its double is `0.1`; `9007199254740993` does not.
 */
export function roundTripsThroughDouble(text: string): boolean {
  if (!/^-?\d+(\.\d+)?$/.test(text)) {
    return false;
  }
  const number = Number(text);
  if (!Number.isFinite(number)) {
    return false;
  }
  return canonicalDecimal(text) === canonicalDecimal(plainDecimalOf(number));
}

/** Returns the shortest text of a double without exponent: 1e-10 is `0.0000000001`. */
function plainDecimalOf(number: number): string {
  const shortest = String(number);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest);
  if (match === null) {
    return shortest;
  }
  const [, sign = '', first = '', rest = '', exponentText = '0'] = match;
  const digits = first + rest;
  const point = 1 + Number(exponentText);
  if (point <= 0) {
    return `${sign}0.${'0'.repeat(-point)}${digits}`;
  }
  return point >= digits.length ? `${sign}${digits}${'0'.repeat(point - digits.length)}` : `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function canonicalDecimal(text: string): string {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const integerPart = whole.replace(/^0+(?=\d)/, '');
  const fractionPart = fraction.replace(/0+$/, '');
  const body = fractionPart.length > 0 ? `${integerPart}.${fractionPart}` : integerPart;
  return negative && body !== '0' ? `-${body}` : body;
}

/** Excel's number format for a DuckDB DECIMAL: grouping and the declared number of decimals. */
function decimalFormatOf(type: string): string {
  const scale = Number(/,\s*(\d+)\)/.exec(type)?.[1] ?? 0);
  return scale > 0 ? `#,##0.${'0'.repeat(scale)}` : '#,##0';
}

/** Excel stores dates as days since 1900; earlier dates cannot be date cells. */
const FIRST_EXCEL_DATE = Date.UTC(1900, 2, 1);

/**
 * Converts one value into an XLSX cell. Numbers become numeric cells only when the double
 * represents them exactly, else text cells with every digit. Number formats are Excel codes, which
 * Excel renders with the reader's separators. Dates and timestamps become date cells in UTC.
 */
export function xlsxCell(value: ApiValue, column: ExportColumn, language: Language): XlsxCell {
  if (value === null) {
    return { value: null };
  }

  const kind = columnKindOf(column.type);
  switch (kind) {
    case 'integer':
    case 'decimal': {
      const text = String(value);
      if (!roundTripsThroughDouble(text)) {
        return { value: text };
      }
      return { value: Number(text), numFmt: kind === 'decimal' ? decimalFormatOf(column.type) : '0' };
    }
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? { value } : { value: String(value) };
    case 'date':
    case 'timestamp':
      return dateCell(String(value), kind, language);
    case 'boolean':
      return { value: value === true };
    case 'text':
      return { value: String(value) };
  }
}

function dateCell(text: string, kind: 'date' | 'timestamp', language: Language): XlsxCell {
  const match = kind === 'date' ? DATE_TEXT.exec(text) : TIMESTAMP_TEXT.exec(text);
  const offset = kind === 'timestamp' ? (match?.[5] ?? '') : '';
  // A TIMESTAMP WITH TIME ZONE text ends in an offset such as +00 or +05:30.
  const isoOffset = offset === '' ? 'Z' : /^[+-]\d{2}$/.test(offset) ? `${offset}:00` : offset;
  const instant = match === null ? Number.NaN : Date.parse(kind === 'date' ? `${text}T00:00:00Z` : `${match[1]}-${match[2]}-${match[3]}T${match[4]}${isoOffset}`);
  if (!Number.isFinite(instant) || instant < FIRST_EXCEL_DATE) {
    return { value: text };
  }

  const dateFormat = language === 'de' ? 'dd.mm.yyyy' : 'yyyy-mm-dd';
  return { value: new Date(instant), numFmt: kind === 'date' ? dateFormat : `${dateFormat} hh:mm:ss` };
}
