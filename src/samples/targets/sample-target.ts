import { AuroraError } from '../../errors/aurora-error.js';
import { openMysqlTarget } from './mysql-target.js';
import { openPostgresTarget } from './postgres-target.js';
import { openSqliteTarget } from './sqlite-target.js';
import { redactUrl } from './target-url.js';

/**
 * A column type that every sample target can store without loss.
 * NOTE: no test loads a timestamp or timestamptz column into a database yet, because the
 * superstore has none. Only the row check for their text format is tested.
 */
export type SampleColumnType =
  | 'integer'
  | 'bigint'
  | 'text'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | { decimal: [precision: number, scale: number] };

export interface SampleColumn {
  name: string;
  type: SampleColumnType;
  nullable: boolean;
}

/** A table that a sample loads into the database that plays the legacy system. */
export interface SampleTableDefinition {
  name: string;
  columns: SampleColumn[];
  primaryKey: string[];
  /**
   * Secondary indexes, each a list of columns. A legacy system that supports delta extracts
   * indexes its change timestamp, so that reading the rows changed since a time does not scan
   * the whole table.
   */
  indexes?: string[][];
}

/** Names each secondary index of a table after its table and columns, for CREATE INDEX. */
export function secondaryIndexes(definition: SampleTableDefinition): { name: string; columns: string[] }[] {
  return (definition.indexes ?? []).map((columns) => ({ name: `${definition.name}_${columns.join('_')}_idx`, columns }));
}

/**
 * One row, values in column order. Every value is text, so decimals and 64-bit integers keep
 * all their digits. Dates are `YYYY-MM-DD`, and timestamps are `YYYY-MM-DD HH:MM:SS[.ffffff]`
 * (UTC for timestamptz).
 */
export type SampleRow = (string | null)[];

/** A database that sample data is loaded into. */
export interface SampleTarget {
  readonly kind: 'sqlite' | 'postgres' | 'mysql';
  /** The target's URL without its password, for messages and logs. */
  describe(): string;
  tableExists(name: string): Promise<boolean>;
  createTable(definition: SampleTableDefinition): Promise<void>;
  /**
   * Appends rows to an existing table in one transaction and returns how many it wrote. Unlike
   * loadTable, it does not check the values against a definition first.
   */
  writeRows(table: string, rows: AsyncIterable<SampleRow>): Promise<number>;
  dropTable(name: string): Promise<void>;
  /**
   * Creates the table and fills it as one unit and returns the row count. If any step fails,
   * the target is left as it was. No new table remains, and with `replace` the old table stays.
   * Rejects with SAMPLE_TARGET_EXISTS when the table exists and `replace` is false.
   */
  loadTable(definition: SampleTableDefinition, rows: AsyncIterable<SampleRow>, options: { replace: boolean }): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens the database behind a target URL: `sqlite:path/file.db` (relative to the working
 * directory, parent folders are created), `postgres://…` or `postgresql://…`, and `mysql://…`
 * or `mariadb://…`. Rejects with SAMPLE_TARGET_INVALID or SAMPLE_TARGET_UNREACHABLE.
 */
export async function openSampleTarget(url: string): Promise<SampleTarget> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();

  switch (scheme) {
    case 'sqlite':
      return openSqliteTarget(url);
    case 'postgres':
    case 'postgresql':
      return openPostgresTarget(url);
    case 'mysql':
    case 'mariadb':
      return openMysqlTarget(url);
    default:
      throw new AuroraError('SAMPLE_TARGET_INVALID', {
        url: redactUrl(url),
        reason: scheme === undefined ? 'the URL has no scheme' : `the scheme ${scheme}: is not supported`,
      });
  }
}
