import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';

import { QueryResultCache } from '../../src/api/query-cache.js';
import { buildServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { AuroraConfig } from '../../src/config/types.js';
import { LakeLayout } from '../../src/lake/lake-layout.js';
import { rollbackTo } from '../../src/lake/rollback.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { loadSuperstore } from '../../src/samples/superstore.js';
import { deleteRedisKeys, REDIS_TEST_URL, redisSkipReason, uniqueRedisPrefix } from '../helpers/redis.js';
import { NO_AUTH } from './api-lake.js';

const EXAMPLE_CONFIG = path.resolve('examples/superstore/aurora.yaml');
const KPI_WEST = '/api/v1/kpis/sales_by_region_month?dim.REGION=West&limit=3';

interface KpiBody {
  runId: string;
  rows: Record<string, unknown>[];
}

/**
 * Two server processes' worth of state: two buildServer instances over one lake, as two pods
 * over a shared volume, with the rate limit in one Redis. Nothing is restarted between runs.
 */
describe('stateless servers over one lake', () => {
  let folder: string;
  let database: string;
  let config: AuroraConfig;
  let servers: FastifyInstance[] = [];
  let redisKeyPrefix: string;
  let skip: string | undefined;

  async function runPipeline(): Promise<string> {
    const outcome = await runFullLoad({ config });
    assert.equal(outcome.error, undefined, outcome.run.error?.message.en);
    return outcome.run.runId;
  }

  async function kpis(server: FastifyInstance, url: string): Promise<KpiBody> {
    const response = await server.inject({ method: 'GET', url, remoteAddress: '192.0.2.80' });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<KpiBody>();
  }

  /** Checks that every server serves `runId` on each endpoint that names the published run. */
  async function assertAllServe(runId: string): Promise<void> {
    for (const [index, server] of servers.entries()) {
      const label = `server ${index + 1}`;
      const ready = await server.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.json<{ runId: string }>().runId, runId, `${label} /readyz`);
      const models = await server.inject({ method: 'GET', url: '/api/v1/models', remoteAddress: '192.0.2.80' });
      assert.equal(models.json<{ runId: string }>().runId, runId, `${label} /api/v1/models`);
      const freshness = await server.inject({ method: 'GET', url: '/api/v1/freshness', remoteAddress: '192.0.2.80' });
      assert.equal(freshness.json<{ runId: string }>().runId, runId, `${label} /api/v1/freshness`);
      assert.equal((await kpis(server, KPI_WEST)).runId, runId, `${label} /api/v1/kpis`);
      const metrics = await server.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, new RegExp(`^aurora_published_snapshot_info\\{run_id="${runId}"\\} 1$`, 'm'), `${label} /metrics`);
    }
  }

  before(async () => {
    skip = await redisSkipReason();
    folder = mkdtempSync(path.join(tmpdir(), 'aurora-stateless-'));
    database = path.join(folder, 'legacy.sqlite');
    await loadSuperstore(`sqlite:${database}`, { replace: false });
    config = loadConfig(EXAMPLE_CONFIG, { AURORA_SUPERSTORE_DB: database, AURORA_SUPERSTORE_LAKE: path.join(folder, 'lake') });

    redisKeyPrefix = uniqueRedisPrefix('stateless');
    const rateLimit = skip
      ? { max: 1_000, timeWindowMs: 60_000 }
      : { max: 1_000, userMax: 1_000, timeWindowMs: 60_000, redisUrl: REDIS_TEST_URL, redisKeyPrefix };
    servers = [await buildServer({ auth: NO_AUTH, config, rateLimit }), await buildServer({ auth: NO_AUTH, config, rateLimit })];
  });

  after(async () => {
    for (const server of servers) {
      await server.close();
    }
    if (!skip) {
      await deleteRedisKeys(redisKeyPrefix);
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it('new run is served without restart', async () => {
    for (const server of servers) {
      const before = await server.inject({ method: 'GET', url: KPI_WEST });
      assert.equal(before.statusCode, 503, 'nothing is published yet');
    }

    const firstRun = await runPipeline();
    await assertAllServe(firstRun);
    const westRows = (await kpis(servers[0] as FastifyInstance, KPI_WEST)).rows;
    assert.equal(westRows.length, 3);

    // The second run loads a source without the West region: a cached result would still contain it.
    const db = new Database(database);
    db.prepare("DELETE FROM SUPERSTORE_ORDERS WHERE REGION = 'West'").run();
    db.close();
    const secondRun = await runPipeline();
    assert.notEqual(secondRun, firstRun);

    await assertAllServe(secondRun);
    for (const server of servers) {
      assert.deepEqual((await kpis(server, KPI_WEST)).rows, [], 'the new snapshot has no West rows');
    }
  });

  it('cached page sends the same body', async () => {
    const server = servers[0] as FastifyInstance;
    const url = '/api/v1/kpis/sales_by_region_month?limit=2&order=desc';
    const first = await server.inject({ method: 'GET', url });
    const second = await server.inject({ method: 'GET', url });
    assert.equal(second.body, first.body);
    assert.match(String(second.headers['content-type']), /^application\/json/);

    const body = second.json<{ runId: string; model: string; rows: unknown[]; nextCursor: string | null }>();
    assert.deepEqual(Object.keys(body).sort(), ['model', 'nextCursor', 'rows', 'runId'].sort());
    assert.equal(body.rows.length, 2);
    assert.equal(typeof body.nextCursor, 'string');

    // The next page of the same model is another cache entry with its own rows.
    const next = await server.inject({ method: 'GET', url: `${url}&cursor=${body.nextCursor}` });
    assert.notDeepEqual(next.json<{ rows: unknown[] }>().rows, body.rows);
  });

  it('rollback is served without restart', async () => {
    const layout = new LakeLayout(config.lake);
    const runs = (await servers[0]?.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.80' }))?.json<{ runs: { runId: string }[] }>().runs ?? [];
    const oldest = runs[runs.length - 1]?.runId;
    assert.equal(runs.length, 2, 'the first test left two runs');
    assert.ok(oldest !== undefined);

    await rollbackTo(layout, oldest);
    await assertAllServe(oldest);
    for (const server of servers) {
      assert.equal((await kpis(server, KPI_WEST)).rows.length, 3, 'the restored snapshot has West rows again');
    }
  });

  it('limit counts are shared, not per server', async (t) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    const [first, second] = servers as [FastifyInstance, FastifyInstance];
    const request = { method: 'GET' as const, url: '/api/v1/runs', remoteAddress: '192.0.2.81' };

    const remaining: number[] = [];
    for (const server of [first, second, first, second]) {
      remaining.push(Number((await server.inject(request)).headers['x-ratelimit-remaining']));
    }
    assert.deepEqual(remaining, [999, 998, 997, 996], 'each server sees the requests the other one counted');
  });
});

describe('query result cache', () => {
  const sizeOfText = (value: string): number => value.length;

  it('cache evicts least recently used', async () => {
    const cache = new QueryResultCache<string>({ maxEntries: 2, maxBytes: 1_000 }, sizeOfText);
    await cache.getOrCompute('a', async () => 'A');
    await cache.getOrCompute('b', async () => 'B');
    await cache.getOrCompute('a', async () => 'not computed again');
    await cache.getOrCompute('c', async () => 'C');

    assert.equal(cache.size, 2);
    assert.equal(await cache.getOrCompute('a', async () => 'recomputed'), 'A', 'a was used last, so it stays');
    assert.equal(await cache.getOrCompute('b', async () => 'recomputed'), 'recomputed', 'b was evicted');
  });

  it('cache keeps within max bytes', async () => {
    const cache = new QueryResultCache<string>({ maxEntries: 100, maxBytes: 80 }, sizeOfText);
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) {
      await cache.getOrCompute(key, async () => key.repeat(10));
    }
    assert.equal(cache.bytes, 80);
    assert.equal(cache.size, 8, 'the oldest value made room');
    assert.equal(await cache.getOrCompute('a', async () => 'recomputed'), 'recomputed');

    const large = await cache.getOrCompute('large', async () => 'x'.repeat(11));
    assert.equal(large, 'x'.repeat(11));
    assert.equal(await cache.getOrCompute('large', async () => 'recomputed'), 'recomputed', 'a value above an eighth of maxBytes is returned but not stored');
  });

  it('concurrent misses share one computation', async () => {
    const cache = new QueryResultCache<string>({ maxEntries: 10, maxBytes: 1_000 }, sizeOfText);
    let computations = 0;
    const slow = async (): Promise<string> => {
      computations += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'value';
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.getOrCompute('k', slow)));
    assert.equal(computations, 1);
    assert.deepEqual(new Set(results), new Set(['value']));
  });

  it('failed computation is not cached', async () => {
    const cache = new QueryResultCache<string>({ maxEntries: 10, maxBytes: 1_000 }, sizeOfText);
    await assert.rejects(
      cache.getOrCompute('k', async () => {
        throw new Error('query failed');
      }),
      /query failed/,
    );
    assert.equal(cache.size, 0);
    assert.equal(await cache.getOrCompute('k', async () => 'second try'), 'second try');
  });
});
