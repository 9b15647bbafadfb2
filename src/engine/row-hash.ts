import type { ColumnDescription } from '../sources/types.js';
import { quoteIdentifier } from './sql-text.js';

/**
 * Builds SQL for a 64-bit hash over all columns of a row, for comparing rows between the source
 * and the lake. DuckDB hashes the doubles 0.0 and -0.0 alike, so doubles enter as text, which
 * keeps the sign.
 */
export function rowHashSql(columns: readonly ColumnDescription[]): string {
  const values = columns.map((column) => (column.type.kind === 'double' ? `CAST(${quoteIdentifier(column.name)} AS VARCHAR)` : quoteIdentifier(column.name)));
  return `hash(${values.join(', ')})`;
}
