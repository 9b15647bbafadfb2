import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

import { BODY_LIMIT_BYTES, buildServer } from '../../src/api/server.js';
import { createApiLake, NO_AUTH, type ApiLake } from './api-lake.js';

const ALLOWED_ORIGIN = 'https://dashboard.example';
const REDIS_URL = process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

/** Returns undefined when Redis replies to PING, else the skip reason. */
async function redisSkipReason(): Promise<string | undefined> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    const reason = `Redis at ${REDIS_URL} is not reachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === 'true') {
      // CI machines run Redis; a skip there would hide a broken shared rate limit.
      throw new Error(`${reason}. CI must provide Redis.`, { cause: error });
    }
    console.log(`# skipping Redis tests: ${reason}`);
    return reason;
  } finally {
    client.disconnect();
  }
}

describe('security of the API', () => {
  let lake: ApiLake;
  let server: FastifyInstance;

  before(async () => {
    lake = createApiLake();
    await lake.runFullLoad();
    server = await buildServer({ auth: NO_AUTH, config: lake.config, allowedOrigins: [ALLOWED_ORIGIN] });
  });

  after(async () => {
    await server.close();
    lake.remove();
  });

  it('responses carry the security headers', async () => {
    for (const url of ['/healthz', '/api/v1/runs', '/no/such/path']) {
      const response = await server.inject({ method: 'GET', url });
      assert.equal(response.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(response.headers['x-frame-options'], 'DENY', url);
      assert.match(String(response.headers['strict-transport-security']), /max-age=31536000; includeSubDomains/, url);
      const csp = String(response.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/, url);
      assert.match(csp, /frame-ancestors 'none'/, url);
      assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/, url);
    }
  });

  it('cors allows a listed origin', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/runs', headers: { origin: ALLOWED_ORIGIN } });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['access-control-allow-origin'], ALLOWED_ORIGIN);

    const preflight = await server.inject({
      method: 'OPTIONS',
      url: '/api/v1/runs',
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], ALLOWED_ORIGIN);
  });

  it('cors gives no headers to other origins', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/runs', headers: { origin: 'https://attacker.example' } });
    assert.equal(response.headers['access-control-allow-origin'], undefined);
    assert.equal(response.headers['access-control-allow-credentials'], undefined);

    const preflight = await server.inject({
      method: 'OPTIONS',
      url: '/api/v1/runs',
      headers: { origin: 'https://attacker.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  });

  it('body limit is 1 MiB', async () => {
    assert.equal(server.initialConfig.bodyLimit, BODY_LIMIT_BYTES);
    assert.equal(BODY_LIMIT_BYTES, 1_048_576);
  });

  it('real listen on loopback serves fetch', async () => {
    const listening = await buildServer({ auth: NO_AUTH, config: lake.config, allowedOrigins: [ALLOWED_ORIGIN] });
    try {
      await listening.listen({ host: '127.0.0.1', port: 0 });
      const { port } = listening.server.address() as AddressInfo;

      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.equal(health.headers.get('x-frame-options'), 'DENY');

      const traversal = await fetch(`http://127.0.0.1:${port}/api/v1/runs/..%2F..%2Fetc%2Fpasswd`, { headers: { 'accept-language': 'en' } });
      assert.equal(traversal.status, 400);
      const body = (await traversal.json()) as ErrorBody;
      assert.equal(body.error.code, 'INVALID_PARAMETER');
      assert.match(body.error.message, /^Invalid value for runId/);
    } finally {
      await listening.close();
    }
  });
});

describe('rate limit', () => {
  let lake: ApiLake;

  before(() => {
    lake = createApiLake();
  });

  after(() => {
    lake.remove();
  });

  /** Sends `max + 1` requests from one address and checks the last one is rejected with 429. */
  async function assertLimitApplies(server: FastifyInstance, max: number, remoteAddress: string): Promise<void> {
    for (let index = 0; index < max; index += 1) {
      const allowed = await server.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress });
      assert.equal(allowed.statusCode, 200, `request ${index + 1} of ${max}`);
    }

    const rejected = await server.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress, headers: { 'accept-language': 'en-GB' } });
    assert.equal(rejected.statusCode, 429);
    const retryAfter = Number(rejected.headers['retry-after']);
    assert.ok(retryAfter >= 1, `Retry-After ${rejected.headers['retry-after']}`);
    assert.ok(retryAfter <= 60, `Retry-After ${rejected.headers['retry-after']}`);
    const body = rejected.json<ErrorBody>();
    assert.equal(body.error.code, 'RATE_LIMITED');
    assert.match(body.error.message, /^Too many requests/);
    assert.match(body.error.errorId, /^[0-9a-f-]{36}$/);

    const otherAddress = await server.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.250' });
    assert.equal(otherAddress.statusCode, 200, 'the limit counts per IP address');
    const health = await server.inject({ method: 'GET', url: '/healthz', remoteAddress });
    assert.equal(health.statusCode, 200, 'health checks are not limited');
  }

  it('in-memory limit returns 429 with Retry-After', async () => {
    const server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: { max: 3, timeWindowMs: 60_000 } });
    try {
      await assertLimitApplies(server, 3, '192.0.2.10');
    } finally {
      await server.close();
    }
  });

  it('unreachable redis lets requests pass', async () => {
    // Port 1 on loopback has no listener, so every Redis command fails.
    const logLines: string[] = [];
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
    const server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: { max: 1, timeWindowMs: 60_000, redisUrl: 'redis://127.0.0.1:1' }, logStream });
    try {
      for (let index = 0; index < 3; index += 1) {
        const response = await server.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.30' });
        assert.equal(response.statusCode, 200, `request ${index + 1}`);
      }
      const outages = logLines.filter((line) => line.includes('Redis for the rate limit is unavailable'));
      assert.equal(outages.length, 1, 'the outage is logged once');
    } finally {
      await server.close();
    }
  });

  it('redis limit is shared between servers', async (t) => {
    const skip = await redisSkipReason();
    if (skip) {
      t.skip(skip);
      return;
    }

    // A fresh key prefix keeps this test apart from earlier runs and from other users of Redis.
    const redisKeyPrefix = `aurora-test-rate-limit-${randomBytes(4).toString('hex')}:`;
    const rateLimit = { max: 4, timeWindowMs: 60_000, redisUrl: REDIS_URL, redisKeyPrefix };
    const first = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit });
    const second = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit });
    try {
      for (let index = 0; index < 2; index += 1) {
        assert.equal((await first.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.20' })).statusCode, 200);
      }
      // The second server counts the two requests of the first, so it allows only two more.
      await assertLimitApplies(second, 2, '192.0.2.20');
    } finally {
      await first.close();
      await second.close();
      const cleaner = new Redis(REDIS_URL);
      const keys = await cleaner.keys(`${redisKeyPrefix}*`);
      if (keys.length > 0) {
        await cleaner.del(...keys);
      }
      await cleaner.quit();
    }
  });
});
