import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

import { hashToken } from '../../src/api/auth/tokens-file.js';
import type { LocalUser } from '../../src/api/auth/users-file.js';
import { buildServer } from '../../src/api/server.js';
import { createApiLake, type ApiLake } from './api-lake.js';
import { deleteRedisKeys, localUser, login, redisSkipReason, redisTestUrl, sessionCookieOf, withSession, type ErrorBody } from './auth-helpers.js';

const ANNA_PASSWORD = 'correct horse battery staple';
const BERND_PASSWORD = 'Bernd-sein-Passwort-2026';
const TOKEN = randomBytes(32).toString('base64url');
const RATE_LIMIT = { max: 10_000, timeWindowMs: 60_000 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

describe('local sign-in and sessions', () => {
  let lake: ApiLake;
  let users: LocalUser[];
  let server: FastifyInstance;
  const logLines: string[] = [];

  before(async () => {
    lake = createApiLake();
    await lake.runFullLoad();
    users = [await localUser('anna', 'data_engineer', ANNA_PASSWORD), await localUser('bernd@mueller.example', 'viewer', BERND_PASSWORD)];
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
    server = await buildServer({
      config: lake.config,
      auth: { users, tokens: [{ name: 'airflow', role: 'admin', sha256: hashToken(TOKEN) }] },
      rateLimit: RATE_LIMIT,
      logStream,
    });
  });

  after(async () => {
    await server.close();
    lake.remove();
  });

  it('methods list local only', async () => {
    const response = await server.inject({ method: 'GET', url: '/auth/methods' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { local: true, oidc: false });
  });

  it('login sets a session cookie', async () => {
    const response = await login(server, 'anna', ANNA_PASSWORD);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { name: 'anna', role: 'data_engineer' });
    assert.equal(response.headers['cache-control'], 'no-store');

    const cookie = sessionCookieOf(response);
    assert.ok(cookie, 'aurora_session is set');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/, '32 random bytes in base64url');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.secure, undefined, 'plain http without a trusted proxy');
    assert.equal(cookie.maxAge, 8 * 60 * 60, 'absolute lifetime of 8 hours');
  });

  it('session reaches protected routes', async () => {
    const sessionId = sessionCookieOf(await login(server, 'anna', ANNA_PASSWORD))?.value ?? '';
    const me = await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) });
    assert.equal(me.statusCode, 200);
    assert.deepEqual(me.json(), { name: 'anna', role: 'data_engineer', method: 'local' });

    const runs = await server.inject({ method: 'GET', url: '/api/v1/runs', headers: withSession(sessionId) });
    assert.equal(runs.statusCode, 200);
  });

  it('viewer session is denied runs', async () => {
    const sessionId = sessionCookieOf(await login(server, 'bernd@mueller.example', BERND_PASSWORD))?.value ?? '';
    const runs = await server.inject({ method: 'GET', url: '/api/v1/runs', headers: { ...withSession(sessionId), 'accept-language': 'en' } });
    assert.equal(runs.statusCode, 403);
    const body = runs.json<ErrorBody>();
    assert.equal(body.error.code, 'ROLE_NOT_ALLOWED');
    assert.match(body.error.message, /^Role viewer may not call GET \/api\/v1\/runs\. One of these roles is required: data_engineer, admin\.$/);

    const models = await server.inject({ method: 'GET', url: '/api/v1/models', headers: withSession(sessionId) });
    assert.equal(models.statusCode, 200);
  });

  it('token still works beside sessions', async () => {
    const me = await server.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.deepEqual(me.json(), { name: 'airflow', role: 'admin', method: 'token' });
  });

  it('bad bearer does not fall back to cookie', async () => {
    const sessionId = sessionCookieOf(await login(server, 'anna', ANNA_PASSWORD))?.value ?? '';
    const response = await server.inject({ method: 'GET', url: '/api/v1/me', headers: { ...withSession(sessionId), authorization: `Bearer ${randomBytes(32).toString('base64url')}` } });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json<ErrorBody>().error.code, 'INVALID_TOKEN');
  });

  it('wrong password and unknown user look alike', async () => {
    const wrongPassword = await login(server, 'anna', 'not the password', { 'accept-language': 'en' });
    const unknownUser = await login(server, 'nobody', ANNA_PASSWORD, { 'accept-language': 'en' });
    for (const response of [wrongPassword, unknownUser]) {
      assert.equal(response.statusCode, 401);
      assert.equal(sessionCookieOf(response), undefined, 'no session cookie');
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'INVALID_CREDENTIALS');
      assert.equal(body.error.message, 'The user name or password is wrong.');
    }
    const german = await login(server, 'anna', 'falsch');
    assert.equal(german.json<ErrorBody>().error.message, 'Benutzername oder Passwort ist falsch.');
  });

  it('unknown user takes as long as wrong password', async () => {
    const durations = { unknown: [] as number[], wrong: [] as number[] };
    for (let round = 0; round < 5; round += 1) {
      for (const [kind, username] of [['unknown', `ghost-${round}`], ['wrong', 'anna']] as const) {
        const started = performance.now();
        const response = await login(server, username, 'wrong password');
        durations[kind].push(performance.now() - started);
        assert.equal(response.statusCode, 401);
      }
    }
    const ratio = median(durations.unknown) / median(durations.wrong);
    // Without the scrypt run for unknown names the ratio is below 0.05 (1 ms against tens of ms).
    const timings = `unknown ${median(durations.unknown).toFixed(1)} ms, wrong ${median(durations.wrong).toFixed(1)} ms`;
    assert.ok(ratio > 0.5, timings);
    assert.ok(ratio < 2, timings);
  });

  it('failed logins are counted', async () => {
    const before = await server.inject({ method: 'GET', url: '/metrics' });
    const count = (text: string) => Number(/^aurora_sign_in_failures_total\{method="local",reason="invalid_credentials"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    await login(server, 'anna', 'wrong');
    const afterText = (await server.inject({ method: 'GET', url: '/metrics' })).body;
    assert.equal(count(afterText), count(before.body) + 1);
    assert.match(afterText, /^aurora_sign_ins_total\{method="local"\} [1-9]\d*$/m);
  });

  it('login rejects malformed requests', async () => {
    const cases: { label: string; payload: string; contentType: string; status: number; code: string; field?: string }[] = [
      { label: 'unknown field', payload: JSON.stringify({ username: 'anna', password: ANNA_PASSWORD, role: 'admin' }), contentType: 'application/json', status: 400, code: 'INVALID_PARAMETER', field: 'role' },
      { label: 'missing password', payload: JSON.stringify({ username: 'anna' }), contentType: 'application/json', status: 400, code: 'INVALID_PARAMETER', field: 'password' },
      { label: 'number as password', payload: JSON.stringify({ username: 'anna', password: 12345 }), contentType: 'application/json', status: 400, code: 'INVALID_PARAMETER', field: 'password' },
      { label: 'empty user name', payload: JSON.stringify({ username: '', password: 'x' }), contentType: 'application/json', status: 400, code: 'INVALID_PARAMETER', field: 'username' },
      { label: 'array body', payload: '[]', contentType: 'application/json', status: 400, code: 'INVALID_PARAMETER', field: 'body' },
      { label: 'broken JSON', payload: '{"username": "anna", ', contentType: 'application/json', status: 400, code: 'INVALID_JSON_BODY' },
      { label: 'prototype key', payload: `{"username": "anna", "password": "x", "__proto__": {"role": "admin"}}`, contentType: 'application/json', status: 400, code: 'INVALID_JSON_BODY' },
      { label: 'form encoding', payload: `username=anna&password=${encodeURIComponent(ANNA_PASSWORD)}`, contentType: 'application/x-www-form-urlencoded', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { label: 'text/plain', payload: JSON.stringify({ username: 'anna', password: ANNA_PASSWORD }), contentType: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { label: 'password too long', payload: JSON.stringify({ username: 'anna', password: 'x'.repeat(1025) }), contentType: 'application/json', status: 400, code: 'INVALID_PARAMETER', field: 'password' },
      { label: 'huge body', payload: JSON.stringify({ username: 'anna', password: 'x'.repeat(100_000) }), contentType: 'application/json', status: 413, code: 'PAYLOAD_TOO_LARGE' },
    ];

    for (const testCase of cases) {
      const response = await server.inject({ method: 'POST', url: '/auth/login', payload: testCase.payload, headers: { 'content-type': testCase.contentType, 'accept-language': 'en' } });
      assert.equal(response.statusCode, testCase.status, `${testCase.label}: ${response.body}`);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, testCase.code, testCase.label);
      assert.equal(sessionCookieOf(response), undefined, `${testCase.label}: no cookie`);
      if (testCase.field !== undefined) {
        assert.match(body.error.message, new RegExp(`^Invalid value for ${testCase.field}: `), testCase.label);
      }
    }
  });

  it('login explains a rejected JSON body in German without English parts', async () => {
    const response = await server.inject({ method: 'POST', url: '/auth/login', payload: '{"__proto__": {}}', headers: { 'content-type': 'application/json' } });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json<ErrorBody>().error.message, 'Der Anfrage-Body ist kein gültiges JSON, oder er enthält die Schlüssel __proto__ oder constructor, die der Server ablehnt. Den Body als JSON-Objekt ohne diese Schlüssel senden.');
  });

  it('huge body names the login limit', async () => {
    const response = await server.inject({ method: 'POST', url: '/auth/login', payload: JSON.stringify({ username: 'anna', password: 'x'.repeat(10_000) }), headers: { 'content-type': 'application/json', 'accept-language': 'en' } });
    assert.equal(response.statusCode, 413);
    assert.equal(response.json<ErrorBody>().error.message, 'The request body is larger than 4096 bytes.');
  });

  it('missing cookie is 401', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/me' });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json<ErrorBody>().error.code, 'AUTHENTICATION_REQUIRED');
    assert.match(response.json<ErrorBody>().error.message, /^Anmeldung erforderlich\./);
  });

  it('forged and tampered cookies are 401', async () => {
    const real = sessionCookieOf(await login(server, 'anna', ANNA_PASSWORD))?.value ?? '';
    const tampered = `${real.slice(0, 10)}${real[10] === 'A' ? 'B' : 'A'}${real.slice(11)}`;
    const forged = [randomBytes(32).toString('base64url'), tampered, `${real}x`, real.slice(0, -1), 'a', '../../etc/passwd', `${real}; aurora_session=${real}`, hashToken(real)];

    for (const value of forged) {
      const response = await server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `aurora_session=${encodeURIComponent(value)}`, 'accept-language': 'en' } });
      assert.equal(response.statusCode, 401, value);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'SESSION_INVALID', value);
      assert.equal(body.error.message, 'The session has expired, has ended or is invalid. Please sign in again.');
      const cleared = sessionCookieOf(response);
      assert.equal(cleared?.value, '', `${value}: the cookie is cleared`);
    }

    const stillValid = await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(real) });
    assert.equal(stillValid.statusCode, 200, 'the real session survives forged attempts');
  });

  it('logout ends the session', async () => {
    const sessionId = sessionCookieOf(await login(server, 'anna', ANNA_PASSWORD))?.value ?? '';
    const logout = await server.inject({ method: 'POST', url: '/auth/logout', headers: withSession(sessionId) });
    assert.equal(logout.statusCode, 204);
    assert.equal(sessionCookieOf(logout)?.value, '', 'the cookie is cleared');

    const after = await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json<ErrorBody>().error.code, 'SESSION_INVALID');

    const withoutCookie = await server.inject({ method: 'POST', url: '/auth/logout' });
    assert.equal(withoutCookie.statusCode, 204);
  });

  it('new login replaces the old session', async () => {
    const first = sessionCookieOf(await login(server, 'anna', ANNA_PASSWORD))?.value ?? '';
    const second = sessionCookieOf(await login(server, 'anna', ANNA_PASSWORD, withSession(first)))?.value ?? '';
    assert.notEqual(first, second);
    assert.equal((await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(first) })).statusCode, 401);
    assert.equal((await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(second) })).statusCode, 200);
  });

  it('logs contain no secrets', () => {
    const log = logLines.join('');
    assert.match(log, /"msg":"signed in"/);
    assert.match(log, /"msg":"local sign-in failed"/);
    for (const secret of [ANNA_PASSWORD, BERND_PASSWORD, TOKEN, 'scrypt$', 'not the password']) {
      assert.ok(!log.includes(secret), `the log contains ${secret.slice(0, 6)}…`);
    }
    assert.ok(!/aurora_session=[A-Za-z0-9_-]{43}/.test(log), 'the log contains a session id');
    assert.ok(!log.includes('"userName":"nobody"'), 'unknown user names stay out of the log');
  });
});

describe('session lifetime', () => {
  let lake: ApiLake;
  let users: LocalUser[];

  before(async () => {
    lake = createApiLake();
    users = [await localUser('anna', 'viewer', ANNA_PASSWORD)];
  });

  after(() => {
    lake.remove();
  });

  it('idle session expires', async () => {
    const server = await buildServer({ config: lake.config, auth: { users, sessions: { lifetime: { idleTimeoutMs: 600, absoluteLifetimeMs: 60_000 } } }, rateLimit: RATE_LIMIT });
    try {
      const sessionId = sessionCookieOf(await login(server, 'anna', ANNA_PASSWORD))?.value ?? '';
      await sleep(300);
      assert.equal((await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) })).statusCode, 200, 'used within the idle timeout');
      await sleep(300);
      assert.equal((await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) })).statusCode, 200, 'the previous use extended it');
      await sleep(800);
      const expired = await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) });
      assert.equal(expired.statusCode, 401, 'idle longer than the timeout');
      assert.equal(expired.json<ErrorBody>().error.code, 'SESSION_INVALID');
    } finally {
      await server.close();
    }
  });

  it('active session ends at absolute lifetime', async () => {
    const server = await buildServer({ config: lake.config, auth: { users, sessions: { lifetime: { idleTimeoutMs: 800, absoluteLifetimeMs: 1_500 } } }, rateLimit: RATE_LIMIT });
    try {
      const response = await login(server, 'anna', ANNA_PASSWORD);
      assert.equal(sessionCookieOf(response)?.maxAge, 1, 'Max-Age follows the absolute lifetime');
      const sessionId = sessionCookieOf(response)?.value ?? '';
      const started = Date.now();
      while (Date.now() - started < 1_200) {
        assert.equal((await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) })).statusCode, 200);
        await sleep(250);
      }
      await sleep(Math.max(0, 1_600 - (Date.now() - started)));
      assert.equal((await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) })).statusCode, 401, 'kept active, but past the lifetime');
    } finally {
      await server.close();
    }
  });

  it('cookie is Secure behind trusted https proxy', async () => {
    const trusting = await buildServer({ config: lake.config, auth: { users }, rateLimit: RATE_LIMIT, trustProxy: '127.0.0.1' });
    const direct = await buildServer({ config: lake.config, auth: { users }, rateLimit: RATE_LIMIT });
    try {
      const proxied = await login(trusting, 'anna', ANNA_PASSWORD, { 'x-forwarded-proto': 'https' });
      assert.equal(sessionCookieOf(proxied)?.secure, true);
      const plainThroughProxy = await login(trusting, 'anna', ANNA_PASSWORD, { 'x-forwarded-proto': 'http' });
      assert.equal(sessionCookieOf(plainThroughProxy)?.secure, undefined);
      // Without a trusted proxy the header is the client's claim, so it is ignored.
      const claimed = await login(direct, 'anna', ANNA_PASSWORD, { 'x-forwarded-proto': 'https' });
      assert.equal(sessionCookieOf(claimed)?.secure, undefined);
    } finally {
      await trusting.close();
      await direct.close();
    }
  });

  it('no users file disables login', async () => {
    const server = await buildServer({ config: lake.config, auth: { tokens: [{ name: 'a', role: 'viewer', sha256: hashToken(TOKEN) }] }, rateLimit: RATE_LIMIT });
    try {
      assert.deepEqual((await server.inject({ method: 'GET', url: '/auth/methods' })).json(), { local: false, oidc: false });
      const response = await login(server, 'anna', ANNA_PASSWORD, { 'accept-language': 'en' });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json<ErrorBody>().error.code, 'SIGN_IN_METHOD_DISABLED');
      const oidc = await server.inject({ method: 'GET', url: '/auth/oidc/login' });
      assert.equal(oidc.json<ErrorBody>().error.code, 'SIGN_IN_METHOD_DISABLED');
      // Without browser sign-in a cookie is not a credential at all.
      const me = await server.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(randomBytes(32).toString('base64url')) });
      assert.equal(me.json<ErrorBody>().error.code, 'AUTHENTICATION_REQUIRED');
    } finally {
      await server.close();
    }
  });

  it('no-auth me is anonymous admin', async () => {
    const server = await buildServer({ config: lake.config, auth: { disabled: true }, rateLimit: RATE_LIMIT });
    try {
      assert.deepEqual((await server.inject({ method: 'GET', url: '/api/v1/me' })).json(), { name: 'anonymous', role: 'admin', method: 'none' });
      assert.deepEqual((await server.inject({ method: 'GET', url: '/auth/methods' })).json(), { local: false, oidc: false });
    } finally {
      await server.close();
    }
  });
});

describe('sessions in Redis', async () => {
  const skip = await redisSkipReason();
  const prefix = `aurora-test-auth-${randomBytes(4).toString('hex')}:`;
  let lake: ApiLake;
  let users: LocalUser[];
  let first: FastifyInstance;
  let second: FastifyInstance;

  before(async () => {
    if (skip) {
      return;
    }
    lake = createApiLake();
    users = [await localUser('anna', 'data_engineer', ANNA_PASSWORD), await localUser('carla', 'viewer', BERND_PASSWORD)];
    const auth = { users, tokens: [{ name: 'airflow', role: 'admin' as const, sha256: hashToken(TOKEN) }], sessions: { redisUrl: redisTestUrl(), redisKeyPrefix: prefix } };
    first = await buildServer({ config: lake.config, auth, rateLimit: RATE_LIMIT });
    second = await buildServer({ config: lake.config, auth, rateLimit: RATE_LIMIT });
  });

  after(async () => {
    if (skip) {
      return;
    }
    await first.close();
    await second.close();
    await deleteRedisKeys(prefix);
    lake.remove();
  });

  it('session from one server works on another', { skip }, async () => {
    const sessionId = sessionCookieOf(await login(first, 'anna', ANNA_PASSWORD))?.value ?? '';
    const me = await second.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) });
    assert.equal(me.statusCode, 200, me.body);
    assert.deepEqual(me.json(), { name: 'anna', role: 'data_engineer', method: 'local' });

    const logout = await second.inject({ method: 'POST', url: '/auth/logout', headers: withSession(sessionId) });
    assert.equal(logout.statusCode, 204);
    const afterLogout = await first.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) });
    assert.equal(afterLogout.statusCode, 401, 'logout on one server ends the session on all');
  });

  it('Redis keys hold only hashes', { skip }, async () => {
    const sessionId = sessionCookieOf(await login(first, 'anna', ANNA_PASSWORD))?.value ?? '';
    const client = new Redis(redisTestUrl());
    try {
      const keys = await client.keys(`${prefix}session:*`);
      assert.ok(keys.length >= 1);
      for (const key of keys) {
        assert.match(key, new RegExp(`^${prefix}session:[0-9a-f]{64}$`));
        assert.ok(!key.includes(sessionId));
        const value = (await client.get(key)) ?? '';
        assert.ok(!value.includes(sessionId), 'the value does not contain the session id');
        assert.ok(!value.includes('scrypt'), 'the value does not contain the password hash');
        const ttl = await client.pttl(key);
        assert.ok(ttl > 0, `TTL ${ttl} ms`);
        assert.ok(ttl <= 30 * 60_000, `TTL ${ttl} ms beyond the idle timeout`);
      }
    } finally {
      await client.quit();
    }
  });

  it('active users are counted across servers', { skip }, async () => {
    const sessionId = sessionCookieOf(await login(first, 'carla', BERND_PASSWORD))?.value ?? '';
    await first.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) });
    await second.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${TOKEN}` } });
    await second.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(sessionId) });
    // markActive does not delay the request, so give the writes a moment.
    await sleep(200);

    for (const server of [first, second]) {
      const metrics = (await server.inject({ method: 'GET', url: '/metrics' })).body;
      const value = Number(/^aurora_active_users (\d+)$/m.exec(metrics)?.[1]);
      // anna from the test above may still count, so carla and the token make at least 2 and at most 3.
      assert.ok(value >= 2, `aurora_active_users ${value}`);
      assert.ok(value <= 3, `aurora_active_users ${value}`);
    }
  });

  it('users file changes apply to sessions', { skip }, async () => {
    const annaSession = sessionCookieOf(await login(first, 'anna', ANNA_PASSWORD))?.value ?? '';
    const carlaSession = sessionCookieOf(await login(first, 'carla', BERND_PASSWORD))?.value ?? '';

    // A restarted server whose users file demotes anna and no longer lists carla.
    const restarted = await buildServer({ config: lake.config, auth: { users: [await localUser('anna', 'viewer', 'a new password 123')], sessions: { redisUrl: redisTestUrl(), redisKeyPrefix: prefix } }, rateLimit: RATE_LIMIT });
    try {
      const anna = await restarted.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(annaSession) });
      assert.deepEqual(anna.json(), { name: 'anna', role: 'viewer', method: 'local' });
      const annaRuns = await restarted.inject({ method: 'GET', url: '/api/v1/runs', headers: withSession(annaSession) });
      assert.equal(annaRuns.statusCode, 403, 'the demoted role applies at once');

      const carla = await restarted.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(carlaSession) });
      assert.equal(carla.statusCode, 401, 'a removed user loses the session');
      assert.equal(carla.json<ErrorBody>().error.code, 'SESSION_INVALID');
    } finally {
      await restarted.close();
    }
  });

  it('Redis outage gives 503, tokens still work', { skip }, async () => {
    const broken = await buildServer({
      config: lake.config,
      auth: { users, tokens: [{ name: 'airflow', role: 'admin', sha256: hashToken(TOKEN) }], sessions: { redisUrl: 'redis://127.0.0.1:1', redisKeyPrefix: prefix } },
      rateLimit: RATE_LIMIT,
    });
    try {
      const response = await login(broken, 'anna', ANNA_PASSWORD, { 'accept-language': 'en' });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json<ErrorBody>().error.code, 'SESSION_STORE_UNAVAILABLE');
      const session = await broken.inject({ method: 'GET', url: '/api/v1/me', headers: withSession(randomBytes(32).toString('base64url')) });
      assert.equal(session.statusCode, 503);
      const token = await broken.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(token.statusCode, 200);
    } finally {
      await broken.close();
    }
  });
});
