/**
 * The ERP sample databases the benchmarks run against: one PostgreSQL database per scale,
 * generated once and reused while its ORDERS count still matches the scale.
 */
import path from 'node:path';

import pg from 'pg';

export const ADMIN_URL = process.env.AURORA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const WORK = path.resolve('bench/.work');
export const ORDERS_AT_SCALE_1 = 2_147_832;

export function databaseUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function query<T>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * Makes sure a database contains the ERP sample at `scale`, generating it only when missing, so
 * that repeated benchmark runs measure the load and not the generator.
 */
export async function ensureErpDatabase(scale: number): Promise<{ url: string; generatedMs?: number }> {
  const database = `aurora_bench_erp_${String(scale).replace('.', '_')}`;
  const url = databaseUrl(database);
  const expectedOrders = Math.round(ORDERS_AT_SCALE_1 * scale);

  const exists = (await query<{ n: string }>(ADMIN_URL, 'SELECT count(*) AS n FROM pg_database WHERE datname = $1', [database]))[0]?.n === '1';
  if (exists) {
    const orders = await query<{ n: string }>(url, `SELECT count(*) AS n FROM "ORDERS"`).catch(() => [{ n: '-1' }]);
    if (Number(orders[0]?.n) === expectedOrders) {
      // Databases generated before the sample indexed UPDATED_AT get the index the sample now has.
      await query(url, 'CREATE INDEX IF NOT EXISTS "ORDERS_UPDATED_AT_idx" ON "ORDERS" ("UPDATED_AT")');
      return { url };
    }
    await query(ADMIN_URL, `DROP DATABASE "${database}"`);
  }

  await query(ADMIN_URL, `CREATE DATABASE "${database}"`);
  const { loadErpSample } = await import('../src/samples/erp/erp-sample.js');
  const startedAt = performance.now();
  await loadErpSample(url, { scale, replace: true, manifest: path.join(WORK, `${database}.manifest.json`) });
  return { url, generatedMs: performance.now() - startedAt };
}
