import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';

import { loadConfig } from '../../src/config/load-config.js';
import type { AuroraConfig } from '../../src/config/types.js';
import type { SnapshotManifest } from '../../src/lake/snapshots.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { loadErpSample } from '../../src/samples/erp/erp-sample.js';
import { loadSuperstore } from '../../src/samples/superstore.js';
import { createThrowawayPostgresDatabase, type ThrowawayDatabase } from '../helpers/services.js';

/** A lake that the real pipeline built from one of the example deployments. */
export interface ExampleLake {
  folder: string;
  config: AuroraConfig;
  runId: string;
  /** Absolute path (silver: a glob) of a table's files in the published snapshot, as its manifest names them. */
  snapshotFile(layer: 'silver' | 'quarantine', table: string): string;
  /** Runs SQL over the lake's files with DuckDB and returns the rows as JSON values. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  remove(): Promise<void>;
}

async function describeLake(folder: string, config: AuroraConfig, cleanup: () => Promise<void>): Promise<ExampleLake> {
  const outcome = await runFullLoad({ config });
  assert.equal(outcome.error, undefined, outcome.run.error?.message.en);
  const runId = outcome.run.runId;
  const instance = await DuckDBInstance.create(':memory:');
  const snapshotFolder = path.join(config.lake, 'snapshots', runId);
  const manifest = JSON.parse(readFileSync(path.join(snapshotFolder, 'manifest.json'), 'utf8')) as SnapshotManifest;

  return {
    folder,
    config,
    runId,
    snapshotFile(layer, table) {
      const entry = manifest.tables.find((candidate) => candidate.table === table);
      assert.ok(entry, `table ${table} is in the manifest`);
      return path.join(snapshotFolder, layer === 'silver' ? entry.silverFile : entry.quarantineFile);
    },
    async query(sql) {
      const connection = await instance.connect();
      try {
        return (await connection.runAndReadAll(sql)).getRowObjectsJson();
      } finally {
        connection.closeSync();
      }
    },
    async remove() {
      instance.closeSync();
      await cleanup();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Loads the Superstore CSV into SQLite and runs examples/superstore/aurora.yaml on it. */
export async function createSuperstoreLake(): Promise<ExampleLake> {
  const folder = mkdtempSync(path.join(tmpdir(), 'aurora-orders-superstore-'));
  const database = path.join(folder, 'legacy.sqlite');
  await loadSuperstore(`sqlite:${database}`, { replace: false });
  const config = loadConfig(path.resolve('examples/superstore/aurora.yaml'), { AURORA_SUPERSTORE_DB: database, AURORA_SUPERSTORE_LAKE: path.join(folder, 'lake') });
  return describeLake(folder, config, async () => undefined);
}

/** About 1,070 orders: the smallest ERP sample, above the rule orders_row_count (at least 1,000). */
const ERP_SCALE = 0.0005;

/**
 * Generates the Müller ERP sample into a throwaway PostgreSQL database and runs
 * examples/mueller-erp/aurora.yaml on it.
 */
export async function createErpLake(): Promise<ExampleLake> {
  const folder = mkdtempSync(path.join(tmpdir(), 'aurora-orders-erp-'));
  const database: ThrowawayDatabase = await createThrowawayPostgresDatabase();
  try {
    await loadErpSample(database.url, { scale: ERP_SCALE, seed: 7 });
    const config = loadConfig(path.resolve('examples/mueller-erp/aurora.yaml'), { AURORA_SOURCE_URL: database.url, AURORA_MUELLER_LAKE: path.join(folder, 'lake') });
    return await describeLake(folder, config, () => database.drop());
  } catch (error) {
    await database.drop();
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

/** Returns `read_parquet('<file>')` for SQL in tests. */
export function parquet(file: string): string {
  return `read_parquet(${quoteLiteral(file)})`;
}

/** Parses a decimal string into an integer scaled by 10^scale, so sums stay exact. */
export function toScaled(text: string, scale: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  assert.ok(match, `decimal string expected, got ${JSON.stringify(text)}`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  assert.ok(fraction.length <= scale, `${text} has more than ${scale} decimal places`);
  const value = BigInt(whole + fraction.padEnd(scale, '0'));
  return sign === '-' ? -value : value;
}

export interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

export interface RowsBody {
  runId: string;
  rows: Record<string, string | number | boolean | null>[];
  nextCursor: string | null;
}
