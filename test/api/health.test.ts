import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { buildServer } from '../../src/api/server.js';
import { createApiLake, NO_AUTH, type ApiLake } from './api-lake.js';

describe('health and readiness', () => {
  let lake: ApiLake;
  let server: FastifyInstance;

  before(async () => {
    lake = createApiLake();
    server = await buildServer({ auth: NO_AUTH, config: lake.config });
  });

  after(async () => {
    await server.close();
    lake.remove();
  });

  it('healthz returns ok', async () => {
    const response = await server.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok' });
  });

  it('readyz is 503 before the first run', async () => {
    const response = await server.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 503);
    const body = response.json<{ status: string; reason: { code: string; message: string } }>();
    assert.equal(body.status, 'unavailable');
    assert.equal(body.reason.code, 'nothing_published');
    assert.match(body.reason.message, /kein Snapshot/);
  });

  it('readyz picks up each new snapshot without restart', async () => {
    const first = await lake.runFullLoad();
    const afterFirst = await server.inject({ method: 'GET', url: '/readyz' });
    assert.equal(afterFirst.statusCode, 200);
    assert.deepEqual(afterFirst.json(), { status: 'ready', runId: first.run.runId });

    const second = await lake.runFullLoad();
    assert.notEqual(second.run.runId, first.run.runId);
    const afterSecond = await server.inject({ method: 'GET', url: '/readyz' });
    assert.equal(afterSecond.statusCode, 200);
    assert.deepEqual(afterSecond.json(), { status: 'ready', runId: second.run.runId });

    const freshness = await server.inject({ method: 'GET', url: '/api/v1/freshness' });
    assert.equal(freshness.json<{ runId: string }>().runId, second.run.runId);
  });

  it('readyz is 503 when a silver file is missing', async () => {
    const ready = await server.inject({ method: 'GET', url: '/readyz' });
    const runId = ready.json<{ runId: string }>().runId;
    rmSync(path.join(lake.config.lake, 'snapshots', runId, 'silver', 'ORDERS'), { recursive: true });

    const response = await server.inject({ method: 'GET', url: '/readyz', headers: { 'accept-language': 'en' } });
    assert.equal(response.statusCode, 503);
    const reason = response.json<{ reason: { code: string; message: string } }>().reason;
    assert.equal(reason.code, 'silver_file_missing');
    assert.match(reason.message, /missing the silver file silver\/ORDERS\/\*\.parquet of table ORDERS/);
    assert.doesNotMatch(reason.message, new RegExp(lake.folder), 'no absolute path reaches the client');
  });
});
