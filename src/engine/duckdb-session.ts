import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import { quoteLiteral } from './sql-text.js';

export interface DuckdbSessionOptions {
  /** Database file; `:memory:` keeps everything in memory and spills to `tempDirectory`. */
  file?: string;
  threads?: number;
  /** For example `1GB`; DuckDB spills to `tempDirectory` beyond it instead of growing. */
  memoryLimit?: string;
  tempDirectory?: string;
}

/** A row read back from DuckDB with every value as text, so no decimal or 64-bit integer is rounded. */
export type TextRow = Record<string, string | null>;

/**
 * One DuckDB instance for one run. The ICU extension is not bundled and cannot be downloaded
 * here, so TIMESTAMPTZ values are always printed in UTC, the same on every machine.
 */
export class DuckdbSession {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(options: DuckdbSessionOptions = {}): Promise<DuckdbSession> {
    const settings: Record<string, string> = {};
    if (options.threads !== undefined) {
      settings.threads = String(options.threads);
    }
    if (options.memoryLimit !== undefined) {
      settings.memory_limit = options.memoryLimit;
    }
    if (options.tempDirectory !== undefined) {
      settings.temp_directory = options.tempDirectory;
    }

    const instance = await DuckDBInstance.create(options.file ?? ':memory:', settings);
    const connection = await instance.connect();
    return new DuckdbSession(instance, connection);
  }

  /** Opens a further connection on the same instance, for statements that run concurrently. */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Runs a statement that changes rows (COPY, INSERT) and returns how many it changed. */
  async runCounting(sql: string, connection: DuckDBConnection = this.connection): Promise<number> {
    const result = await connection.run(sql);
    return Number(result.rowsChanged);
  }

  /** Runs a query whose columns the caller has cast to VARCHAR, and returns its rows. */
  async queryText(sql: string): Promise<TextRow[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJson().map((row) => {
      const textRow: TextRow = {};
      for (const [name, value] of Object.entries(row)) {
        textRow[name] = toText(value);
      }
      return textRow;
    });
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function toText(value: unknown): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Builds a `read_parquet([...])` call over the given files. */
export function readParquetSql(files: readonly string[]): string {
  return `read_parquet([${files.map(quoteLiteral).join(', ')}])`;
}
