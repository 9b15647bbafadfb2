/**
 * Quoting for SQL text that Aurora builds itself (DuckDB and PostgreSQL share these rules).
 * Values from users go through bound parameters where the engine allows it; these helpers
 * cover identifiers and the literals inside generated DDL and rule SQL, where it does not.
 */

/** Quotes an identifier: `order "id"` becomes `"order ""id"""`. Rejects NUL, which no engine stores. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) {
    throw new RangeError(`invalid SQL identifier ${JSON.stringify(name)}: it must be non-empty and free of NUL characters`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal: `O'Brien` becomes `'O''Brien'`. Standard SQL, no backslash escapes. */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) {
    throw new RangeError(`invalid SQL literal ${JSON.stringify(value)}: it contains a NUL character`);
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** Quotes a dotted name part by part: `erp.ORDERS` becomes `"erp"."ORDERS"`. */
export function quoteQualifiedName(name: string): string {
  return name.split('.').map(quoteIdentifier).join('.');
}

/**
 * Quotes a MySQL or MariaDB identifier in backticks and doubles any backtick inside it. Backticks
 * work in every sql_mode, while double quotes name identifiers only under ANSI_QUOTES.
 */
export function quoteMysqlIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) {
    throw new RangeError(`invalid SQL identifier ${JSON.stringify(name)}: it must be non-empty and free of NUL characters`);
  }
  return `\`${name.replaceAll('`', '``')}\``;
}

/** Quotes a dotted MySQL name part by part: `erp.ORDERS` becomes `` `erp`.`ORDERS` ``. */
export function quoteMysqlQualifiedName(name: string): string {
  return name.split('.').map(quoteMysqlIdentifier).join('.');
}
