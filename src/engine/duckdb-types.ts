import type { LogicalType } from '../sources/types.js';

/** The DuckDB (and so Parquet) type that holds a logical type without loss. */
export function duckdbTypeOf(type: LogicalType): string {
  switch (type.kind) {
    case 'boolean':
      return 'BOOLEAN';
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case 'text':
    case 'json':
      // JSON stays text: DuckDB's JSON type would normalise whitespace and key order.
      return 'VARCHAR';
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'uuid':
      return 'UUID';
  }
}

/**
 * A regular expression the canonical text of a value must match before it is cast.
 * DuckDB's casts are lenient where a migration must not be: `'1.5'::INTEGER` rounds to 2,
 * `'1.23456'::DECIMAL(5,2)` rounds to 1.23 and `'2025-01-15 10:00'::DATE` drops the time.
 * These guards turn such values into type errors.
 */
export function exactTextPattern(type: LogicalType): string | undefined {
  switch (type.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return '^[+-]?[0-9]+$';
    case 'decimal': {
      const integerDigits = type.precision - type.scale;
      const integerPart = integerDigits > 0 ? `[0-9]{1,${integerDigits}}` : '0?';
      // Trailing zeros beyond the scale do not change the value (3479.270 fits DECIMAL(14,2)).
      const fractionPart = type.scale > 0 ? `(\\.[0-9]{0,${type.scale}}0*)?` : '(\\.0*)?';
      return `^[+-]?${integerPart}${fractionPart}$`;
    }
    case 'date':
      return `^(${DATE})$|${INFINITY}`;
    case 'timestamp':
      // Without this guard DuckDB would drop an offset such as +05:30 and keep the wall time.
      return `^(${DATE}[ T]${TIME})$|${INFINITY}`;
    case 'timestamptz':
      // An instant needs its offset; text without one would silently be read as UTC.
      return `^(${DATE}[ T]${TIME} ?(Z|[+-][0-9]{2}(:?[0-9]{2}){0,2}))( BC)?$|${INFINITY}`;
    case 'time':
      return `^${TIME}$`;
    default:
      return undefined;
  }
}

const DATE = '-?[0-9]{4,}-[0-9]{2}-[0-9]{2}( BC)?';
const TIME = '[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?';
const INFINITY = '^-?infinity$';

/** How a type is named in messages to users: the source's own spelling where known. */
export function describeLogicalType(type: LogicalType): string {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind;
}
