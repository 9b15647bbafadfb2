import { AuroraError, describeCause, isAuroraError } from '../../errors/aurora-error.js';
import type { SampleColumn, SampleColumnType, SampleRow, SampleTableDefinition } from './sample-target.js';

const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^-?(\d+)(?:\.(\d+))?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2}) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?$/;

const INTEGER_RANGE = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const BIGINT_RANGE = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

/** Formats a column type for messages as DDL spells it, for example `decimal(12,4)`. */
export function describeColumnType(type: SampleColumnType): string {
  return typeof type === 'string' ? type : `decimal(${type.decimal[0]},${type.decimal[1]})`;
}

/**
 * Checks each row against the table definition before a target stores it, and passes valid rows
 * on. The three databases differ in what they accept silently (SQLite stores 'abc' in an INTEGER
 * column), so the same check here makes every target reject the same rows with VALUE_TYPE_MISMATCH.
 */
export async function* checkRows(definition: SampleTableDefinition, rows: AsyncIterable<SampleRow>): AsyncGenerator<SampleRow> {
  const keyIndexes = definition.primaryKey.map((name) => definition.columns.findIndex((column) => column.name === name));
  let rowNumber = 0;

  for await (const row of rows) {
    rowNumber += 1;
    const key = keyIndexes.length > 0 ? keyIndexes.map((index) => row[index] ?? 'NULL').join(', ') : `row ${rowNumber}`;

    if (row.length !== definition.columns.length) {
      throw new AuroraError('VALUE_TYPE_MISMATCH', {
        table: definition.name,
        column: '*',
        key,
        value: `${row.length} values`,
        expected: `${definition.columns.length} values`,
      });
    }

    definition.columns.forEach((column, index) => {
      const value = row[index] ?? null;
      if (!isValidValue(column, value)) {
        throw new AuroraError('VALUE_TYPE_MISMATCH', {
          table: definition.name,
          column: column.name,
          key,
          value: value ?? 'NULL',
          expected: column.nullable ? describeColumnType(column.type) : `${describeColumnType(column.type)} NOT NULL`,
        });
      }
    });

    yield row;
  }
}

function isValidValue(column: SampleColumn, value: string | null): boolean {
  if (value === null) {
    return column.nullable;
  }
  if (value.includes('\u0000')) {
    return false;
  }

  const type = column.type;
  switch (type) {
    case 'text':
      return true;
    case 'integer':
      return isIntegerInRange(value, INTEGER_RANGE);
    case 'bigint':
      return isIntegerInRange(value, BIGINT_RANGE);
    case 'date':
      return isValidDate(value);
    case 'timestamp':
    case 'timestamptz': {
      const match = TIMESTAMP_TEXT.exec(value);
      return match !== null && isValidDate(match[1] ?? '');
    }
    default:
      return fitsDecimal(value, type.decimal[0], type.decimal[1]);
  }
}

function isIntegerInRange(value: string, range: { min: bigint; max: bigint }): boolean {
  if (!INTEGER_TEXT.test(value)) {
    return false;
  }
  const number = BigInt(value);
  return number >= range.min && number <= range.max;
}

/** Accepts only plain decimal text whose digits fit the precision and scale without rounding. */
function fitsDecimal(value: string, precision: number, scale: number): boolean {
  const match = DECIMAL_TEXT.exec(value);
  if (match === null) {
    return false;
  }
  const integerDigits = (match[1] ?? '').replace(/^0+/, '').length;
  const fractionDigits = (match[2] ?? '').replace(/0+$/, '').length;
  return integerDigits <= precision - scale && fractionDigits <= scale;
}

function isValidDate(value: string): boolean {
  const match = DATE_TEXT.exec(value);
  if (match === null) {
    return false;
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return year >= 1 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Turns a failure during a load into SAMPLE_LOAD_FAILED. AuroraErrors pass unchanged, because
 * they already name the value or setting to fix.
 */
export function toLoadError(target: string, table: string, error: unknown): AuroraError {
  if (isAuroraError(error)) {
    return error;
  }
  return new AuroraError('SAMPLE_LOAD_FAILED', { target, table, detail: describeCause(error) }, { cause: error });
}
