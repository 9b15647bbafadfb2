import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

import { MemoryRateLimitStore } from '../../src/api/rate-limit-store.js';
import { contentSecurityPolicy, DEFAULT_RATE_LIMIT } from '../../src/api/security.js';
import { readServeSettings } from '../../src/cli/serve-command.js';
import { BODY_LIMIT_BYTES, buildServer } from '../../src/api/server.js';
import { deleteRedisKeys, REDIS_TEST_URL, redisKeys, redisSkipReason, uniqueRedisPrefix } from '../helpers/redis.js';
import { createApiLake, NO_AUTH, type ApiLake } from './api-lake.js';
import { localUser, login, sessionCookieOf, withSession } from './auth-helpers.js';

const ALLOWED_ORIGIN = 'https://dashboard.example';

interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

function get(server: FastifyInstance, remoteAddress: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return server.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress, headers });
}

/** Checks a 429 response: Retry-After within the window, the error shape and the message. */
function assertRateLimited(response: LightMyRequestResponse, expectedMessage: RegExp): void {
  assert.equal(response.statusCode, 429);
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(retryAfter >= 1, `Retry-After ${response.headers['retry-after']}`);
  assert.ok(retryAfter <= 60, `Retry-After ${response.headers['retry-after']}`);
  const body = response.json<ErrorBody>();
  assert.equal(body.error.code, 'RATE_LIMITED');
  assert.match(body.error.message, expectedMessage);
  assert.match(body.error.errorId, /^[0-9a-f-]{36}$/);
}

describe('security of the API', () => {
  let lake: ApiLake;
  let server: FastifyInstance;

  before(async () => {
    lake = createApiLake();
    await lake.runFullLoad();
    server = await buildServer({ auth: NO_AUTH, config: lake.config, allowedOrigins: [ALLOWED_ORIGIN], formActionOrigins: ['https://login.example'] });
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
      assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/, url);
      assert.equal(response.headers['referrer-policy'], 'no-referrer', url);
      assert.equal(response.headers['cross-origin-opener-policy'], 'same-origin', url);
      assert.equal(response.headers['cross-origin-resource-policy'], 'same-origin', url);
      assert.equal(response.headers['x-permitted-cross-domain-policies'], 'none', url);
      assert.equal(response.headers['x-powered-by'], undefined, url);
    }

    const limited = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: { max: 1, timeWindowMs: 60_000 } });
    try {
      await limited.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.5' });
      const rejected = await limited.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.5' });
      assert.equal(rejected.statusCode, 429);
      assert.equal(rejected.headers['x-frame-options'], 'DENY', 'a response rejected in a hook has the headers too');
      assert.match(String(rejected.headers['content-security-policy']), /default-src 'none'/);
    } finally {
      await limited.close();
    }
  });

  it('csp rejects a malformed form-action origin', () => {
    assert.match(contentSecurityPolicy(['https://login.example:8443']), /form-action 'self' https:\/\/login\.example:8443;/);
    for (const origin of ["https://login.example; script-src *", 'https://login.example/path', 'javascript:alert(1)', "'unsafe-inline'"]) {
      assert.throws(() => contentSecurityPolicy([origin]), /form-action origin .* is invalid/, origin);
    }
  });

  it('csp allows a same-origin dashboard only', async () => {
    const response = await server.inject({ method: 'GET', url: '/healthz' });
    const directives = new Map(
      String(response.headers['content-security-policy'])
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...sources]) => [name, sources.join(' ')]),
    );
    assert.equal(directives.get('default-src'), "'none'");
    assert.equal(directives.get('script-src'), "'self'", 'no inline or foreign script');
    assert.equal(directives.get('style-src'), "'self'", 'no inline style');
    assert.equal(directives.get('img-src'), "'self' data:");
    assert.equal(directives.get('connect-src'), "'self'");
    assert.equal(directives.get('frame-ancestors'), "'none'");
    assert.equal(directives.get('base-uri'), "'none'");
    assert.equal(directives.get('form-action'), "'self' https://login.example", 'the OpenID provider may receive the login redirect');
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
    for (const origin of ['https://attacker.example', 'null', `${ALLOWED_ORIGIN}.attacker.example`, 'http://dashboard.example']) {
      const response = await server.inject({ method: 'GET', url: '/api/v1/runs', headers: { origin } });
      assert.equal(response.headers['access-control-allow-origin'], undefined, origin);
      assert.equal(response.headers['access-control-allow-credentials'], undefined, origin);

      const preflight = await server.inject({
        method: 'OPTIONS',
        url: '/api/v1/runs',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
      assert.equal(preflight.headers['access-control-allow-origin'], undefined, origin);
      assert.equal(preflight.headers['access-control-allow-methods'], undefined, origin);
    }
  });

  it('body over the limit is 413', async () => {
    assert.equal(server.initialConfig.bodyLimit, BODY_LIMIT_BYTES);
    assert.equal(BODY_LIMIT_BYTES, 1_048_576);

    // POST /auth/login, the API's endpoint with a body, exists when local users are configured.
    const withLogin = await buildServer({ auth: { tokens: [], users: [await localUser('anna', 'viewer', 'a long enough password')] }, config: lake.config });
    try {
      const response = await withLogin.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/json', 'accept-language': 'en' },
        payload: JSON.stringify({ username: 'anna', password: 'x'.repeat(BODY_LIMIT_BYTES) }),
      });
      assert.equal(response.statusCode, 413);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'PAYLOAD_TOO_LARGE');
      assert.doesNotMatch(response.body, /\bat \S+ \(|\.ts:\d+/, 'no stack in the body');
    } finally {
      await withLogin.close();
    }
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

  async function withServer(rateLimit: { max: number; userMax?: number; redisUrl?: string; redisKeyPrefix?: string }, work: (server: FastifyInstance) => Promise<void>): Promise<void> {
    const server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: { timeWindowMs: 60_000, ...rateLimit } });
    try {
      await work(server);
    } finally {
      await server.close();
    }
  }

  it('burst from one address gets 429', async () => {
    await withServer({ max: 5 }, async (server) => {
      for (let index = 0; index < 5; index += 1) {
        const allowed = await get(server, '192.0.2.10');
        assert.equal(allowed.statusCode, 200, `request ${index + 1} of 5`);
        assert.equal(allowed.headers['x-ratelimit-limit'], '5');
        assert.equal(allowed.headers['x-ratelimit-remaining'], String(4 - index));
      }

      assertRateLimited(await get(server, '192.0.2.10'), /^Zu viele Anfragen von dieser Adresse\. In \d+ Sekunden erneut versuchen\.$/);
      assertRateLimited(await get(server, '192.0.2.10', { 'accept-language': 'en-GB' }), /^Too many requests from this address\. Try again in \d+ seconds\.$/);

      const health = await server.inject({ method: 'GET', url: '/healthz', remoteAddress: '192.0.2.10' });
      assert.equal(health.statusCode, 200, 'health checks are not limited');
      const metrics = await server.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.0.2.10' });
      assert.equal(metrics.statusCode, 200, 'the metrics scrape is not limited');
      assert.match(metrics.body, /^aurora_rate_limited_total\{scope="address"\} 2$/m);
    });
  });

  it('burst from many addresses counts each', async () => {
    await withServer({ max: 3 }, async (server) => {
      const addresses = Array.from({ length: 40 }, (_, index) => `198.51.100.${index + 1}`);
      const firstRound = await Promise.all(addresses.flatMap((address) => [get(server, address), get(server, address), get(server, address)]));
      assert.deepEqual(new Set(firstRound.map((response) => response.statusCode)), new Set([200]), 'three requests per address pass');

      const fourth = await Promise.all(addresses.map((address) => get(server, address)));
      assert.deepEqual(new Set(fourth.map((response) => response.statusCode)), new Set([429]), 'the fourth request of every address is rejected');

      assert.equal((await get(server, '2001:db8::1')).statusCode, 200, 'a new IPv6 address has its own window');
    });
  });

  it('concurrent burst admits exactly max', async () => {
    await withServer({ max: 10 }, async (server) => {
      const responses = await Promise.all(Array.from({ length: 25 }, () => get(server, '192.0.2.11')));
      assert.equal(responses.filter((response) => response.statusCode === 200).length, 10);
      assert.equal(responses.filter((response) => response.statusCode === 429).length, 15);
    });
  });

  it('user limit holds across addresses', async () => {
    await withServer({ max: 100, userMax: 3 }, async (server) => {
      const token = { authorization: 'Bearer token-of-anna' };
      for (const address of ['192.0.2.21', '192.0.2.22', '192.0.2.23']) {
        assert.equal((await get(server, address, token)).statusCode, 200, address);
      }

      const limited = await get(server, '192.0.2.24', token);
      assertRateLimited(limited, /^Zu viele Anfragen mit dieser Anmeldung\./);
      assertRateLimited(await get(server, '192.0.2.25', { ...token, 'accept-language': 'en' }), /^Too many requests with this login\./);

      assert.equal((await get(server, '192.0.2.24', { authorization: 'Bearer token-of-ben' })).statusCode, 200, 'another token from the same address passes');
      assert.equal((await get(server, '192.0.2.24')).statusCode, 200, 'the address itself is not limited');
    });
  });

  it('session cookie counts as user', async () => {
    await withServer({ max: 100, userMax: 2 }, async (server) => {
      const cookie = { cookie: 'theme=dark; aurora_session=session-of-carla; other=1' };
      assert.equal((await get(server, '192.0.2.31', cookie)).statusCode, 200);
      assert.equal((await get(server, '192.0.2.32', cookie)).statusCode, 200);
      assertRateLimited(await get(server, '192.0.2.33', cookie), /mit dieser Anmeldung/);
      assert.equal((await get(server, '192.0.2.33', { cookie: 'aurora_session=session-of-dirk' })).statusCode, 200);
    });
  });

  it('signed-in session counts as user', async () => {
    const users = [await localUser('berta', 'viewer', 'a long enough password')];
    const server = await buildServer({ auth: { tokens: [], users }, config: lake.config, rateLimit: { max: 100, userMax: 3, timeWindowMs: 60_000 } });
    try {
      const signIn = await login(server, 'berta', 'a long enough password');
      assert.equal(signIn.statusCode, 200, signIn.body);
      const session = sessionCookieOf(signIn)?.value;
      assert.ok(session !== undefined, 'the sign-in sets the session cookie');

      // The sign-in request carried no session yet, so the session has three requests left.
      const me = (remoteAddress: string) => server.inject({ method: 'GET', url: '/api/v1/me', remoteAddress, headers: withSession(session) });
      for (const address of ['192.0.2.71', '192.0.2.72', '192.0.2.73']) {
        assert.equal((await me(address)).statusCode, 200, address);
      }
      assertRateLimited(await me('192.0.2.74'), /mit dieser Anmeldung/);
    } finally {
      await server.close();
    }
  });

  it('address limit applies despite new tokens', async () => {
    await withServer({ max: 3, userMax: 100 }, async (server) => {
      for (let index = 0; index < 3; index += 1) {
        assert.equal((await get(server, '192.0.2.40', { authorization: `Bearer guess-${index}` })).statusCode, 200);
      }
      assertRateLimited(await get(server, '192.0.2.40', { authorization: 'Bearer guess-3' }), /von dieser Adresse/);
    });
  });

  it('valid token counts like any credential', async () => {
    const token = 'viewer-token-for-rate-limit-test';
    const tokens = [{ name: 'viewer', role: 'viewer' as const, sha256: createHash('sha256').update(token).digest('hex') }];
    const server = await buildServer({ auth: { tokens }, config: lake.config, rateLimit: { max: 100, userMax: 2, timeWindowMs: 60_000 } });
    try {
      const headers = { authorization: `Bearer ${token}` };
      const first = await get(server, '192.0.2.50', headers);
      assert.notEqual(first.statusCode, 429);
      assert.notEqual((await get(server, '192.0.2.51', headers)).statusCode, 429);
      assertRateLimited(await get(server, '192.0.2.52', headers), /mit dieser Anmeldung/);
      // A wrong token from the same addresses is another credential, so only its own count applies.
      assert.equal((await get(server, '192.0.2.52', { authorization: 'Bearer wrong' })).statusCode, 401);
    } finally {
      await server.close();
    }
  });

  it('forwarded address counts only behind trusted proxy', async () => {
    const proxied = { 'x-forwarded-for': '203.0.113.7' };
    const untrusting = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: { max: 1, timeWindowMs: 60_000 } });
    try {
      assert.equal((await get(untrusting, '10.0.0.2', proxied)).statusCode, 200);
      assert.equal((await get(untrusting, '10.0.0.2', { 'x-forwarded-for': '203.0.113.8' })).statusCode, 429, 'a forged header does not open a new window');
    } finally {
      await untrusting.close();
    }

    const trusting = await buildServer({ auth: NO_AUTH, config: lake.config, trustProxy: 1, rateLimit: { max: 1, timeWindowMs: 60_000 } });
    try {
      assert.equal((await get(trusting, '10.0.0.2', proxied)).statusCode, 200);
      assert.equal((await get(trusting, '10.0.0.2', { 'x-forwarded-for': '203.0.113.8' })).statusCode, 200, 'each client behind the proxy has its own window');
      assert.equal((await get(trusting, '10.0.0.2', proxied)).statusCode, 429);
    } finally {
      await trusting.close();
    }
  });

  it('memory store keeps bounded keys', async () => {
    let now = 0;
    const store = new MemoryRateLimitStore(1_000, 3, () => now);
    await store.increment(['a', 'b', 'c']);
    await store.increment(['d']);
    assert.equal(store.size, 3, 'the oldest window made room');
    assert.deepEqual(await store.increment(['a']), [{ count: 1, resetInMs: 1_000 }], 'the evicted key starts again');

    now = 1_500;
    assert.deepEqual(await store.increment(['x']), [{ count: 1, resetInMs: 1_000 }]);
    assert.equal(store.size, 1, 'expired windows are swept when the store is full');
    assert.deepEqual(await store.increment(['x']), [{ count: 2, resetInMs: 1_000 }]);
  });

  it('unreachable redis lets requests pass', async () => {
    // Port 1 on loopback has no listener, so every Redis command fails.
    const logLines: string[] = [];
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
    const server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: { max: 1, timeWindowMs: 60_000, redisUrl: 'redis://127.0.0.1:1' }, logStream });
    try {
      const startedAt = performance.now();
      for (let index = 0; index < 3; index += 1) {
        const response = await get(server, '192.0.2.30');
        assert.equal(response.statusCode, 200, `request ${index + 1}`);
      }
      assert.ok(performance.now() - startedAt < 1_000, 'requests do not wait for Redis');
      const outages = logLines.filter((line) => line.includes('Redis for the rate limit is unavailable'));
      assert.equal(outages.length, 1, 'the outage is logged once');
      const metrics = await server.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /^aurora_rate_limit_store_errors_total 3$/m);
    } finally {
      await server.close();
    }
  });

  it('redis limits are shared between servers', async (t) => {
    const skip = await redisSkipReason();
    if (skip) {
      t.skip(skip);
      return;
    }

    const redisKeyPrefix = uniqueRedisPrefix('rate-limit');
    const rateLimit = { max: 4, userMax: 3, timeWindowMs: 60_000, redisUrl: REDIS_TEST_URL, redisKeyPrefix };
    const first = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit });
    const second = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit });
    try {
      // Address limit: two requests on each server use up four.
      for (const server of [first, second, first, second]) {
        assert.equal((await get(server, '192.0.2.60')).statusCode, 200);
      }
      assertRateLimited(await get(first, '192.0.2.60'), /von dieser Adresse/);
      assertRateLimited(await get(second, '192.0.2.60'), /von dieser Adresse/);

      // User limit: one token from different addresses on alternating servers.
      const token = { authorization: 'Bearer shared-token' };
      assert.equal((await get(first, '192.0.2.61', token)).statusCode, 200);
      assert.equal((await get(second, '192.0.2.62', token)).statusCode, 200);
      assert.equal((await get(first, '192.0.2.63', token)).statusCode, 200);
      assertRateLimited(await get(second, '192.0.2.64', token), /mit dieser Anmeldung/);

      // Redis stores the digest of the token, never the token itself.
      const keys = await redisKeys(redisKeyPrefix);
      const digest = createHash('sha256').update('shared-token').digest('hex');
      assert.ok(keys.includes(`${redisKeyPrefix}user:${digest}`), keys.join(', '));
      assert.ok(!keys.some((key) => key.includes('shared-token')), 'no raw token in a key');
    } finally {
      await first.close();
      await second.close();
      await deleteRedisKeys(redisKeyPrefix);
    }
  });

  it('redis burst from many addresses', async (t) => {
    const skip = await redisSkipReason();
    if (skip) {
      t.skip(skip);
      return;
    }

    const redisKeyPrefix = uniqueRedisPrefix('rate-limit-burst');
    const rateLimit = { max: 5, timeWindowMs: 60_000, redisUrl: REDIS_TEST_URL, redisKeyPrefix };
    const first = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit });
    const second = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit });
    try {
      const addresses = Array.from({ length: 20 }, (_, index) => `198.51.100.${index + 100}`);
      // Eight concurrent requests per address, split over both servers: exactly five pass each.
      const responses = await Promise.all(
        addresses.flatMap((address) => Array.from({ length: 8 }, (_, index) => get(index % 2 === 0 ? first : second, address).then((response) => ({ address, response })))),
      );
      for (const address of addresses) {
        const own = responses.filter((entry) => entry.address === address);
        assert.equal(own.filter((entry) => entry.response.statusCode === 200).length, 5, address);
        assert.equal(own.filter((entry) => entry.response.statusCode === 429).length, 3, address);
      }
    } finally {
      await first.close();
      await second.close();
      await deleteRedisKeys(redisKeyPrefix);
    }
  });
});

describe('serve settings for limits and proxies', () => {
  it('limits default and read the environment', () => {
    assert.deepEqual(readServeSettings({}).rateLimit, { max: DEFAULT_RATE_LIMIT.max, userMax: DEFAULT_RATE_LIMIT.userMax, timeWindowMs: DEFAULT_RATE_LIMIT.timeWindowMs });
    const settings = readServeSettings({ AURORA_RATE_LIMIT_MAX: '50', AURORA_RATE_LIMIT_USER_MAX: '20', AURORA_RATE_LIMIT_WINDOW_MS: '1000', REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.deepEqual(settings.rateLimit, { max: 50, userMax: 20, timeWindowMs: 1000, redisUrl: 'redis://127.0.0.1:6379' });
  });

  it('user limit rejects invalid values', () => {
    for (const value of ['0', '-1', '1.5', 'many']) {
      assert.throws(() => readServeSettings({ AURORA_RATE_LIMIT_USER_MAX: value }), /AURORA_RATE_LIMIT_USER_MAX/, value);
    }
  });

  it('trust proxy accepts hops and ranges', () => {
    assert.equal(readServeSettings({}).trustProxy, false);
    assert.equal(readServeSettings({ AURORA_TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(readServeSettings({ AURORA_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(readServeSettings({ AURORA_TRUST_PROXY: '10.0.0.0/8, 192.168.1.5,fd00::/8' }).trustProxy, ['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
    for (const value of ['yes', 'ingress.local', '10.0.0.0/8;rm']) {
      assert.throws(() => readServeSettings({ AURORA_TRUST_PROXY: value }), /AURORA_TRUST_PROXY/, value);
    }
  });
});
