import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import type { Language } from '../i18n/language.js';
import { columnKindOf, CSV_DIALECT, type ColumnKind } from './export-cells.js';
import { selectionSql, type RowSelection } from './keyset-page.js';

/**
 * CSV lines built by DuckDB. Converting every cell into a JS value first is slow in
 * @duckdb/node-api 1.5.6, so the query returns one finished line per row instead. For 104,387
 * ERP orders of 14 columns on a shared 2-core development machine, reading row objects took
 * 5.1 s and the German lines about 2 s.
 */

const BOOLEAN_TEXT: Readonly<Record<Language, { true: string; false: string }>> = {
  de: { true: 'wahr', false: 'falsch' },
  en: { true: 'true', false: 'false' },
};

/**
 * Returns SQL that formats one column as a CSV field. NULL is an empty field and the empty
 * string a quoted empty field, so the two stay distinct. Text that starts with = + - @, tab or
 * carriage return gets a leading apostrophe (OWASP "CSV injection"). Numbers, dates and
 * booleans are left alone, because only a minus sign can start them.
 */
export function csvFieldSql(column: string, type: string, language: Language): string {
  const value = quoteIdentifier(column);
  const text = `CAST(${value} AS VARCHAR)`;
  const field = formattedSql(value, text, columnKindOf(type), language);
  return `coalesce(${field}, '')`;
}

function formattedSql(value: string, text: string, kind: ColumnKind, language: Language): string {
  const german = language === 'de';
  switch (kind) {
    case 'integer':
    case 'decimal':
    case 'float':
      return german ? `replace(${text}, '.', ',')` : text;
    case 'date':
      return german ? `strftime(${value}, '%d.%m.%Y')` : text;
    case 'timestamp':
      // The VARCHAR form is `2025-12-31 08:15:30[.fraction][+offset]`; German swaps only the date part.
      return german ? `strftime(${value}, '%d.%m.%Y') || ' ' || substr(${text}, 12)` : text;
    case 'boolean':
      return `CASE WHEN ${value} THEN ${quoteLiteral(BOOLEAN_TEXT[language].true)} WHEN NOT ${value} THEN ${quoteLiteral(BOOLEAN_TEXT[language].false)} END`;
    case 'text':
      return textFieldSql(text, CSV_DIALECT[language].separator);
  }
}

/**
 * Formats text: an apostrophe before a formula start, and quotes per RFC 4180 when the text is
 * empty or contains the separator, a quote or a line break. The apostrophe adds none of these
 * characters, so the quoting test looks at the text alone.
 */
function textFieldSql(text: string, separator: string): string {
  const prefix = `CASE WHEN left(${text}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' ELSE '' END`;
  // RE2 reads \r and \n in the pattern as carriage return and line feed.
  const needsQuotes = `${text} = '' OR regexp_matches(${text}, ${quoteLiteral(`[${separator}"\\r\\n]`)})`;
  return `CASE WHEN ${needsQuotes} THEN '"' || ${prefix} || replace(${text}, '"', '""') || '"' ELSE ${prefix} || ${text} END`;
}

/** Builds the query that returns the selection's rows as CSV lines (column `line`, CRLF at the end). */
export function csvLinesSql(selection: RowSelection, language: Language): string {
  const separator = quoteLiteral(CSV_DIALECT[language].separator);
  const fields = selection.columns.map((column) => csvFieldSql(column.name, column.type, language));
  const line = `${fields.join(` || ${separator} || `)} || chr(13) || chr(10)`;
  return selectionSql(selection, { select: `${line} AS line` });
}
