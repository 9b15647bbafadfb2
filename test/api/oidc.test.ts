import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type { FastifyInstance } from 'fastify';

import { AuthSettingError, readOidcSettings, type OidcSettings } from '../../src/api/auth/oidc-settings.js';
import { buildServer } from '../../src/api/server.js';
import { createApiLake, type ApiLake } from './api-lake.js';
import { deleteRedisKeys, redisSkipReason, redisTestUrl, type ErrorBody } from './auth-helpers.js';
import { browserFetch, CookieJar, freePort, signInAtProvider, startTestProvider, type TestAccounts, type TestProvider } from './oidc-fixtures.js';

const RATE_LIMIT = { max: 10_000, timeWindowMs: 60_000 };
const ROLE_MAP = 'Aurora.Viewer=viewer,Aurora.Controller=controller,Aurora.DataEngineer=data_engineer,Aurora.Admin=admin';

const ACCOUNTS: TestAccounts = {
  'anna-admin': { name: 'Anna Admin', roles: ['Aurora.Admin'] },
  'victor-viewer': { name: 'Victor Viewer', roles: ['Some.Other.Role', 'Aurora.Viewer'] },
  'doris-both': { name: 'Doris Doppel', roles: ['Aurora.Viewer', 'Aurora.DataEngineer'] },
  'nora-norole': { name: 'Nora Ohnerolle', roles: ['Sales.Reader'] },
  'olaf-noclaim': { name: 'Olaf Ohneclaim' },
};

function settingsFor(provider: TestProvider, redirectUri: string): OidcSettings {
  const settings = readOidcSettings({
    AURORA_OIDC_ISSUER: provider.issuer,
    AURORA_OIDC_CLIENT_ID: provider.clientId,
    AURORA_OIDC_CLIENT_SECRET: provider.clientSecret,
    AURORA_OIDC_REDIRECT_URI: redirectUri,
    AURORA_OIDC_ROLE_MAP: ROLE_MAP,
  });
  assert.ok(settings);
  return settings;
}

/** Counts of aurora_sign_in_failures_total for OpenID Connect, by reason. */
async function oidcFailures(address: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${address}/metrics`)).text();
  return Object.fromEntries([...text.matchAll(/^aurora_sign_in_failures_total\{method="oidc",reason="([a-z_]+)"\} (\d+)$/gm)].map((match) => [match[1], Number(match[2])]));
}

describe('OpenID Connect sign-in', () => {
  let lake: ApiLake;
  let provider: TestProvider;
  let server: FastifyInstance;
  let address: string;
  let redirectUri: string;
  const logLines: string[] = [];

  /** Runs the whole browser flow and returns the jar and the callback response. */
  async function signIn(accountId: string, accept = 'text/html'): Promise<{ jar: CookieJar; callbackUrl: string; response: Response }> {
    const jar = new CookieJar();
    const login = await browserFetch(jar, `${address}/auth/oidc/login`);
    assert.equal(login.status, 302);
    const callbackUrl = await signInAtProvider(jar, login.headers.get('location') ?? '', redirectUri, accountId);
    const response = await browserFetch(jar, callbackUrl, { headers: { accept } });
    return { jar, callbackUrl, response };
  }

  before(async () => {
    lake = createApiLake();
    await lake.runFullLoad();
    const port = await freePort();
    address = `http://127.0.0.1:${port}`;
    redirectUri = `${address}/auth/oidc/callback`;
    provider = await startTestProvider({ redirectUris: [redirectUri], accounts: ACCOUNTS });

    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
    server = await buildServer({ config: lake.config, auth: { oidc: settingsFor(provider, redirectUri) }, rateLimit: RATE_LIMIT, logStream });
    await server.listen({ host: '127.0.0.1', port });
  });

  after(async () => {
    await server.close();
    await provider.close();
    lake.remove();
  });

  it('methods list oidc only', async () => {
    assert.deepEqual(await (await fetch(`${address}/auth/methods`)).json(), { local: false, oidc: true });
  });

  it('login redirects with PKCE, state and nonce', async () => {
    const jar = new CookieJar();
    const response = await browserFetch(jar, `${address}/auth/oidc/login`);
    assert.equal(response.status, 302);
    const target = new URL(response.headers.get('location') ?? '');
    assert.equal(target.origin, provider.issuer);
    assert.equal(target.searchParams.get('response_type'), 'code');
    assert.equal(target.searchParams.get('client_id'), provider.clientId);
    assert.equal(target.searchParams.get('redirect_uri'), redirectUri);
    assert.equal(target.searchParams.get('scope'), 'openid profile');
    assert.equal(target.searchParams.get('code_challenge_method'), 'S256');
    assert.match(target.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(target.searchParams.get('nonce') ?? '', /^[A-Za-z0-9_-]{43}$/);
    const state = target.searchParams.get('state') ?? '';
    assert.match(state, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(jar.get('aurora_oidc_state'), state, 'the state cookie binds the flow to this browser');
    assert.equal(target.searchParams.get('client_secret'), null);

    const setCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith('aurora_oidc_state=')) ?? '';
    assert.match(setCookie, /; HttpOnly/);
    assert.match(setCookie, /; SameSite=Lax/);
    assert.match(setCookie, /; Path=\/auth\/oidc\/callback/);
  });

  it('full flow signs in an admin', async () => {
    const { jar, response } = await signIn('anna-admin');
    assert.equal(response.status, 302, await response.clone().text());
    assert.equal(response.headers.get('location'), '/');
    const sessionCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith('aurora_session=')) ?? '';
    assert.match(sessionCookie, /^aurora_session=[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal(jar.get('aurora_oidc_state'), undefined, 'the state cookie is cleared');

    const me = await browserFetch(jar, `${address}/api/v1/me`, { headers: { accept: 'application/json' } });
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), { name: 'Anna Admin', role: 'admin', method: 'oidc' });
    const runs = await browserFetch(jar, `${address}/api/v1/runs`);
    assert.equal(runs.status, 200);

    const logout = await browserFetch(jar, `${address}/auth/logout`, { method: 'POST' });
    assert.equal(logout.status, 204);
    const afterLogout = await fetch(`${address}/api/v1/me`, { headers: { cookie: sessionCookie.split(';')[0] ?? '' } });
    assert.equal(afterLogout.status, 401);
  });

  it('claim values map to roles', async () => {
    const viewer = await signIn('victor-viewer');
    assert.equal(viewer.response.status, 302);
    const me = await (await browserFetch(viewer.jar, `${address}/api/v1/me`)).json();
    assert.deepEqual(me, { name: 'Victor Viewer', role: 'viewer', method: 'oidc' });
    const runs = await browserFetch(viewer.jar, `${address}/api/v1/runs`, { headers: { 'accept-language': 'en' } });
    assert.equal(runs.status, 403);
    assert.equal(((await runs.json()) as ErrorBody).error.code, 'ROLE_NOT_ALLOWED');

    const both = await signIn('doris-both');
    assert.deepEqual(await (await browserFetch(both.jar, `${address}/api/v1/me`)).json(), { name: 'Doris Doppel', role: 'data_engineer', method: 'oidc' });
  });

  it('unmapped role gets 403, no default', async () => {
    for (const accountId of ['nora-norole', 'olaf-noclaim']) {
      const { jar, response } = await signIn(accountId);
      assert.equal(response.status, 403, accountId);
      assert.equal(jar.get('aurora_session'), undefined, `${accountId}: no session`);
      const page = await response.text();
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page, /<html lang="de">/);
      assert.match(page, /keine Aurora-Rolle/);
      assert.match(page, /OIDC_NO_ROLE/);
      assert.ok(!/at .*\.ts:\d+/.test(page), 'no stack trace');
    }

    const json = await signIn('nora-norole', 'application/json');
    assert.equal(json.response.status, 403);
    const body = (await json.response.json()) as ErrorBody;
    assert.equal(body.error.code, 'OIDC_NO_ROLE');
    assert.match(body.error.message, /der Claim roles enthält Sales\.Reader/);
  });

  it('provider error gives 401 page', async () => {
    const jar = new CookieJar();
    const login = await browserFetch(jar, `${address}/auth/oidc/login`);
    const callbackUrl = await signInAtProvider(jar, login.headers.get('location') ?? '', redirectUri, 'anna-admin', true);
    assert.equal(new URL(callbackUrl).searchParams.get('error'), 'access_denied');

    const response = await browserFetch(jar, callbackUrl, { headers: { 'accept-language': 'en' } });
    assert.equal(response.status, 401);
    const page = await response.text();
    assert.match(page, /<html lang="en">/);
    assert.match(page, /The identity provider rejected the sign-in \(access_denied\)\./);
    assert.ok(!page.includes('End-User aborted'), 'the provider text only goes to the log');
  });

  it('provider error text is escaped', async () => {
    const jar = new CookieJar();
    const login = await browserFetch(jar, `${address}/auth/oidc/login`);
    const state = new URL(login.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const hostile = new URLSearchParams({ state, error: '<script>alert(1)</script>', error_description: '<img src=x onerror=alert(2)>' });
    const response = await browserFetch(jar, `${redirectUri}?${hostile.toString()}`);
    assert.equal(response.status, 401);
    const page = await response.text();
    assert.match(page, /\(invalid_error_code\)/);
    assert.ok(!page.includes('<script>'), 'script tag on the page');
    assert.ok(!page.includes('<img'), 'img tag on the page');
  });

  it('wrong or missing state is 400', async () => {
    const { callbackUrl } = await (async () => {
      const jar = new CookieJar();
      const login = await browserFetch(jar, `${address}/auth/oidc/login`);
      return { callbackUrl: await signInAtProvider(jar, login.headers.get('location') ?? '', redirectUri, 'anna-admin') };
    })();
    const state = new URL(callbackUrl).searchParams.get('state') ?? '';

    // Another browser (an attacker's link) without the state cookie, and one with a different cookie.
    const cases: Record<string, string | undefined> = { 'no cookie': undefined, 'other cookie': `aurora_oidc_state=${randomBytes(32).toString('base64url')}` };
    for (const [label, cookie] of Object.entries(cases)) {
      const response = await fetch(callbackUrl, { redirect: 'manual', headers: { accept: 'application/json', 'accept-language': 'en', ...(cookie ? { cookie } : {}) } });
      assert.equal(response.status, 400, label);
      const body = (await response.json()) as ErrorBody;
      assert.equal(body.error.code, 'OIDC_STATE_MISMATCH', label);
      assert.match(body.error.message, /^The identity provider response does not belong to a sign-in started in this browser/);
    }

    const withoutState = await fetch(`${address}/auth/oidc/callback?code=abc`, { headers: { accept: 'application/json', cookie: `aurora_oidc_state=${state}` } });
    assert.equal(withoutState.status, 400);
  });

  it('forged state is 400 expired', async () => {
    const forged = randomBytes(32).toString('base64url');
    const response = await fetch(`${address}/auth/oidc/callback?code=forged&state=${forged}`, { headers: { cookie: `aurora_oidc_state=${forged}`, accept: 'application/json', 'accept-language': 'en' } });
    assert.equal(response.status, 400);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.error.code, 'OIDC_LOGIN_EXPIRED');
    assert.match(body.error.message, /within 10 minutes and counts only once/);
  });

  it('replayed callback is rejected', async () => {
    const { jar, callbackUrl, response } = await signIn('anna-admin');
    assert.equal(response.status, 302);
    const state = new URL(callbackUrl).searchParams.get('state') ?? '';

    // The same URL with the same state cookie again: the pending sign-in is used up.
    const replay = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: `aurora_oidc_state=${state}`, accept: 'application/json' } });
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as ErrorBody).error.code, 'OIDC_LOGIN_EXPIRED');

    // The used code inside a fresh flow: the provider refuses it, and PKCE would not match either.
    const fresh = await browserFetch(jar, `${address}/auth/oidc/login`);
    const freshState = new URL(fresh.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const code = new URL(callbackUrl).searchParams.get('code') ?? '';
    const reused = await browserFetch(jar, `${redirectUri}?code=${code}&state=${freshState}&iss=${encodeURIComponent(provider.issuer)}`, { headers: { accept: 'application/json' } });
    assert.equal(reused.status, 401);
    assert.equal(((await reused.json()) as ErrorBody).error.code, 'OIDC_CODE_REJECTED');
  });

  it('failures are counted by reason', async () => {
    const failures = await oidcFailures(address);
    for (const reason of ['no_role', 'provider_error', 'state_mismatch', 'expired_state', 'code_rejected']) {
      assert.ok((failures[reason] ?? 0) >= 1, `${reason}: ${failures[reason]}`);
    }
  });

  it('logs hold no code, secret or token', () => {
    const log = logLines.join('');
    assert.match(log, /"msg":"signed in"/);
    assert.match(log, /"url":"\/auth\/oidc\/callback\?\[redacted\]"/);
    assert.ok(!log.includes(provider.clientSecret), 'client secret in the log');
    assert.ok(!/code=[A-Za-z0-9_-]{20,}/.test(log), 'authorization code in the log');
    assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\./.test(log), 'a JWT in the log');
    assert.ok(!/aurora_session=[A-Za-z0-9_-]{43}/.test(log), 'a session id in the log');
  });
});

describe('OpenID Connect edge cases', () => {
  let lake: ApiLake;

  before(() => {
    lake = createApiLake();
  });

  after(() => {
    lake.remove();
  });

  it('expired code is rejected', async () => {
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/auth/oidc/callback`;
    const provider = await startTestProvider({ redirectUris: [redirectUri], accounts: ACCOUNTS, codeTtlSeconds: 1 });
    const server = await buildServer({ config: lake.config, auth: { oidc: settingsFor(provider, redirectUri) }, rateLimit: RATE_LIMIT });
    await server.listen({ host: '127.0.0.1', port });
    try {
      const jar = new CookieJar();
      const login = await browserFetch(jar, `http://127.0.0.1:${port}/auth/oidc/login`);
      const callbackUrl = await signInAtProvider(jar, login.headers.get('location') ?? '', redirectUri, 'anna-admin');
      await sleep(2_100);
      const response = await browserFetch(jar, callbackUrl, { headers: { 'accept-language': 'en' } });
      assert.equal(response.status, 401);
      assert.match(await response.text(), /The authorization code or ID token from the identity provider was not accepted \(expired, already used or invalid\)/);
    } finally {
      await server.close();
      await provider.close();
    }
  });

  it('unreachable provider is 503, start succeeds', async () => {
    const port = await freePort();
    const settings = readOidcSettings({
      AURORA_OIDC_ISSUER: `http://127.0.0.1:${await freePort()}`,
      AURORA_OIDC_CLIENT_ID: 'aurora',
      AURORA_OIDC_CLIENT_SECRET: 'secret',
      AURORA_OIDC_REDIRECT_URI: `http://127.0.0.1:${port}/auth/oidc/callback`,
      AURORA_OIDC_ROLE_MAP: ROLE_MAP,
    });
    assert.ok(settings);
    const server = await buildServer({ config: lake.config, auth: { oidc: settings }, rateLimit: RATE_LIMIT });
    try {
      const response = await server.inject({ method: 'GET', url: '/auth/oidc/login', headers: { accept: 'application/json', 'accept-language': 'en' } });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json<ErrorBody>().error.code, 'OIDC_PROVIDER_UNAVAILABLE');
      const page = await server.inject({ method: 'GET', url: '/auth/oidc/login' });
      assert.equal(page.statusCode, 503);
      assert.match(page.body, /Der Identitätsanbieter \(OpenID Connect\) ist nicht erreichbar/);
    } finally {
      await server.close();
    }
  });

  it('settings reject incomplete or unsafe values', () => {
    const valid = {
      AURORA_OIDC_ISSUER: 'https://login.microsoftonline.com/3fa85f64-5717-4562-b3fc-2c963f66afa6/v2.0',
      AURORA_OIDC_CLIENT_ID: '6731de76-14a6-49ae-97bc-6eba6914391e',
      AURORA_OIDC_CLIENT_SECRET: 'very-secret-value',
      AURORA_OIDC_REDIRECT_URI: 'https://aurora.mueller.example/auth/oidc/callback',
      AURORA_OIDC_ROLE_MAP: ROLE_MAP,
    };
    const settings = readOidcSettings(valid);
    assert.equal(settings?.roleClaim, 'roles');
    assert.equal(settings?.roleMap.get('Aurora.Controller'), 'controller');
    assert.equal(readOidcSettings({}), undefined, 'no variable: OpenID Connect is off');

    const cases: { label: string; env: Record<string, string>; variable: string }[] = [
      { label: 'missing secret', env: { ...valid, AURORA_OIDC_CLIENT_SECRET: '' }, variable: 'AURORA_OIDC_CLIENT_SECRET' },
      { label: 'only issuer', env: { AURORA_OIDC_ISSUER: valid.AURORA_OIDC_ISSUER }, variable: 'AURORA_OIDC_CLIENT_ID' },
      { label: 'http issuer', env: { ...valid, AURORA_OIDC_ISSUER: 'http://login.microsoftonline.com/x/v2.0' }, variable: 'AURORA_OIDC_ISSUER' },
      { label: 'relative redirect', env: { ...valid, AURORA_OIDC_REDIRECT_URI: '/auth/oidc/callback' }, variable: 'AURORA_OIDC_REDIRECT_URI' },
      { label: 'unknown role', env: { ...valid, AURORA_OIDC_ROLE_MAP: 'Aurora.Root=root' }, variable: 'AURORA_OIDC_ROLE_MAP' },
      { label: 'pair without role', env: { ...valid, AURORA_OIDC_ROLE_MAP: 'Aurora.Viewer' }, variable: 'AURORA_OIDC_ROLE_MAP' },
      { label: 'duplicate claim value', env: { ...valid, AURORA_OIDC_ROLE_MAP: 'A=viewer,A=admin' }, variable: 'AURORA_OIDC_ROLE_MAP' },
      { label: 'scopes without openid', env: { ...valid, AURORA_OIDC_SCOPES: 'profile email' }, variable: 'AURORA_OIDC_SCOPES' },
    ];
    for (const testCase of cases) {
      assert.throws(
        () => readOidcSettings(testCase.env),
        (error: unknown) => {
          assert.ok(error instanceof AuthSettingError, testCase.label);
          assert.equal(error.variable, testCase.variable, testCase.label);
          assert.ok(!error.render('de').includes('very-secret-value'), `${testCase.label}: secret in the German message`);
          assert.ok(!error.render('en').includes('very-secret-value'), `${testCase.label}: secret in the English message`);
          return true;
        },
      );
    }
  });
});

describe('OpenID Connect across servers', async () => {
  const skip = await redisSkipReason();
  const prefix = `aurora-test-oidc-${randomBytes(4).toString('hex')}:`;

  it('callback on another server completes', { skip }, async () => {
    const lake = createApiLake();
    const callbackPort = await freePort();
    const startPort = await freePort();
    const redirectUri = `http://127.0.0.1:${callbackPort}/auth/oidc/callback`;
    const provider = await startTestProvider({ redirectUris: [redirectUri], accounts: ACCOUNTS });
    const auth = { oidc: settingsFor(provider, redirectUri), sessions: { redisUrl: redisTestUrl(), redisKeyPrefix: prefix } };
    const starting = await buildServer({ config: lake.config, auth, rateLimit: RATE_LIMIT });
    const completing = await buildServer({ config: lake.config, auth, rateLimit: RATE_LIMIT });
    await starting.listen({ host: '127.0.0.1', port: startPort });
    await completing.listen({ host: '127.0.0.1', port: callbackPort });
    try {
      const jar = new CookieJar();
      const login = await browserFetch(jar, `http://127.0.0.1:${startPort}/auth/oidc/login`);
      const callbackUrl = await signInAtProvider(jar, login.headers.get('location') ?? '', redirectUri, 'victor-viewer');
      const callback = await browserFetch(jar, callbackUrl);
      assert.equal(callback.status, 302, await callback.clone().text());

      const me = await browserFetch(jar, `http://127.0.0.1:${startPort}/api/v1/me`);
      assert.deepEqual(await me.json(), { name: 'Victor Viewer', role: 'viewer', method: 'oidc' });
    } finally {
      await starting.close();
      await completing.close();
      await provider.close();
      await deleteRedisKeys(prefix);
      lake.remove();
    }
  });
});
