import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { ROUTE_ROLES } from '../../src/api/auth/route-roles.js';
import { hashToken, TokensFileError, type ApiToken } from '../../src/api/auth/tokens-file.js';
import { buildServer } from '../../src/api/server.js';
import { runCli } from '../helpers/cli.js';
import { createApiLake, type ApiLake } from './api-lake.js';

interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const VIEWER_TOKEN = newToken();
const ENGINEER_TOKEN = newToken();
const CONTROLLER_TOKEN = newToken();
const ADMIN_TOKEN = newToken();

const TOKENS: ApiToken[] = [
  { name: 'dashboard', role: 'viewer', sha256: hashToken(VIEWER_TOKEN) },
  { name: 'airflow', role: 'data_engineer', sha256: hashToken(ENGINEER_TOKEN) },
  { name: 'finance', role: 'controller', sha256: hashToken(CONTROLLER_TOKEN) },
  { name: 'ops', role: 'admin', sha256: hashToken(ADMIN_TOKEN) },
];

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

describe('authentication by API tokens', () => {
  let lake: ApiLake;
  let server: FastifyInstance;
  const logLines: string[] = [];

  before(async () => {
    lake = createApiLake();
    await lake.runFullLoad();
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
    server = await buildServer({ config: lake.config, auth: { tokens: TOKENS }, rateLimit: { max: 10_000, timeWindowMs: 60_000 }, logStream });
  });

  after(async () => {
    await server.close();
    lake.remove();
  });

  it('missing header is 401 with WWW-Authenticate', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/runs' });
    assert.equal(response.statusCode, 401);
    assert.match(String(response.headers['www-authenticate']), /^Bearer\b/);
    const body = response.json<ErrorBody>();
    assert.equal(body.error.code, 'AUTHENTICATION_REQUIRED');
    assert.match(body.error.message, /^Anmeldung erforderlich/);
    assert.match(body.error.errorId, /^[0-9a-f-]{36}$/);
  });

  it('malformed headers are 401', async () => {
    const malformed = ['Basic dXNlcjpwYXNz', `Bearer`, `Bearer ${VIEWER_TOKEN} ${VIEWER_TOKEN}`, `Token ${VIEWER_TOKEN}`, 'Bearer a"b', VIEWER_TOKEN];
    for (const authorization of malformed) {
      const response = await server.inject({ method: 'GET', url: '/api/v1/models', headers: { authorization, 'accept-language': 'en' } });
      assert.equal(response.statusCode, 401, authorization);
      assert.match(String(response.headers['www-authenticate']), /^Bearer\b.*error="invalid_request"/, authorization);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'MALFORMED_AUTHORIZATION', authorization);
      assert.match(body.error.message, /^The Authorization header is invalid/, authorization);
    }
  });

  it('unknown, forged and expired tokens are 401', async () => {
    // A forged token has the length of a real one; flipping one character keeps it base64url.
    const forged = `${VIEWER_TOKEN.slice(0, -1)}${VIEWER_TOKEN.endsWith('A') ? 'B' : 'A'}`;
    assert.equal(forged.length, VIEWER_TOKEN.length);
    // A JWT whose exp lies in the past: the server accepts only tokens from its file, whatever they contain.
    const expiredJwt = [
      Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url'),
      Buffer.from(JSON.stringify({ sub: 'dashboard', exp: 1_600_000_000 })).toString('base64url'),
      randomBytes(32).toString('base64url'),
    ].join('.');

    for (const token of [newToken(), forged, expiredJwt, hashToken(VIEWER_TOKEN)]) {
      const response = await server.inject({ method: 'GET', url: '/api/v1/models', headers: bearer(token) });
      assert.equal(response.statusCode, 401, token);
      assert.match(String(response.headers['www-authenticate']), /^Bearer\b.*error="invalid_token"/, token);
      assert.equal(response.json<ErrorBody>().error.code, 'INVALID_TOKEN', token);
    }
  });

  it('bearer scheme is case-insensitive', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/models', headers: { authorization: `bearer ${VIEWER_TOKEN}` } });
    assert.equal(response.statusCode, 200);
  });

  it('viewer on runs is 403 naming the roles', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/runs', headers: { ...bearer(VIEWER_TOKEN), 'accept-language': 'en' } });
    assert.equal(response.statusCode, 403);
    const body = response.json<ErrorBody>();
    assert.equal(body.error.code, 'ROLE_NOT_ALLOWED');
    assert.match(body.error.message, /^Role viewer may not call GET \/api\/v1\/runs\./);
    assert.match(body.error.message, /data_engineer, admin/);

    const german = await server.inject({ method: 'GET', url: '/api/v1/runs', headers: bearer(VIEWER_TOKEN) });
    assert.match(german.json<ErrorBody>().error.message, /^Die Rolle viewer darf GET \/api\/v1\/runs nicht abrufen/);
  });

  it('data_engineer on runs is 200', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/runs', headers: bearer(ENGINEER_TOKEN) });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json<{ runs: unknown[] }>().runs.length, 1);
  });

  it('viewer on kpis passes authentication', async () => {
    // The test lake has no gold models, so the KPI route itself returns 404 MODEL_NOT_FOUND;
    // a 404 from the handler shows that authentication and the role check passed.
    const kpis = await server.inject({ method: 'GET', url: '/api/v1/kpis/sales_by_region_month', headers: bearer(VIEWER_TOKEN) });
    assert.equal(kpis.json<ErrorBody>().error.code, 'MODEL_NOT_FOUND');
    assert.equal(kpis.statusCode, 404);

    const models = await server.inject({ method: 'GET', url: '/api/v1/models', headers: bearer(VIEWER_TOKEN) });
    assert.equal(models.statusCode, 200);
  });

  it('roles match the route table', async () => {
    const tokenOfRole = { viewer: VIEWER_TOKEN, controller: CONTROLLER_TOKEN, data_engineer: ENGINEER_TOKEN, admin: ADMIN_TOKEN } as const;
    const runId = (await server.inject({ method: 'GET', url: '/api/v1/runs', headers: bearer(ADMIN_TOKEN) })).json<{ runs: { runId: string }[] }>().runs[0]?.runId;
    // Every template gets sample values, so routes other modules add to ROUTE_ROLES are covered too.
    const urlOf = (route: string) => route.replace(':runId', runId ?? '').replace(':model', 'sales_by_region_month').replace(/:[A-Za-z]+/g, 'x');
    assert.ok(ROUTE_ROLES['/api/v1/me'], '/api/v1/me has roles');
    for (const [route, allowed] of Object.entries(ROUTE_ROLES)) {
      assert.ok(server.hasRoute({ method: 'GET', url: route }), `${route} is in ROUTE_ROLES but not served`);
      for (const [role, token] of Object.entries(tokenOfRole)) {
        const response = await server.inject({ method: 'GET', url: urlOf(route), headers: bearer(token) });
        const label = `${role} on ${route}`;
        if (allowed.includes(role as keyof typeof tokenOfRole)) {
          assert.notEqual(response.statusCode, 401, label);
          assert.notEqual(response.statusCode, 403, label);
        } else {
          assert.equal(response.statusCode, 403, label);
        }
      }
    }
  });

  it('open routes need no token', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/api/docs']) {
      const response = await server.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
    }
  });

  it('openapi marks protected routes', async () => {
    const document = (await server.inject({ method: 'GET', url: '/api/docs' })).json<{
      components: { securitySchemes: Record<string, { scheme?: string; name?: string }> };
      paths: Record<string, { get: { security?: unknown } }>;
    }>();
    assert.equal(document.components.securitySchemes.bearerAuth?.scheme, 'bearer');
    assert.equal(document.components.securitySchemes.cookieAuth?.name, 'aurora_session');
    assert.deepEqual(document.paths['/api/v1/runs']?.get.security, [{ bearerAuth: [] }, { cookieAuth: [] }]);
    assert.equal(document.paths['/healthz']?.get.security, undefined);
  });

  it('failures are counted by reason', async () => {
    const metrics = (await server.inject({ method: 'GET', url: '/metrics' })).body;
    for (const reason of ['missing', 'malformed', 'unknown_token', 'forbidden_role']) {
      const line = new RegExp(`^aurora_auth_failures_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(metrics);
      assert.ok(line, `no series for ${reason}`);
      assert.ok(Number(line[1]) >= 1, `${reason}: ${line[1]}`);
    }
  });

  it('logs name the token but never contain it', () => {
    const log = logLines.join('');
    for (const token of [VIEWER_TOKEN, ENGINEER_TOKEN, CONTROLLER_TOKEN, ADMIN_TOKEN]) {
      assert.ok(!log.includes(token), 'a token appears in the log');
    }
    assert.match(log, /"tokenName":"airflow"/);
    assert.match(log, /"tokenName":"dashboard"/);
  });

  it('failed attempts count against the rate limit', async () => {
    const limited = await buildServer({ config: lake.config, auth: { tokens: TOKENS }, rateLimit: { max: 2, timeWindowMs: 60_000 } });
    try {
      for (let index = 0; index < 2; index += 1) {
        const rejected = await limited.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.40', headers: bearer(newToken()) });
        assert.equal(rejected.statusCode, 401, `attempt ${index + 1}`);
      }
      const third = await limited.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.40', headers: bearer(ENGINEER_TOKEN) });
      assert.equal(third.statusCode, 429);
    } finally {
      await limited.close();
    }
  });
});

describe('tokens file', () => {
  let lake: ApiLake;

  before(() => {
    lake = createApiLake();
  });

  after(() => {
    lake.remove();
  });

  it('yaml and json files are accepted', async () => {
    const yamlFile = path.join(lake.folder, 'tokens.yaml');
    writeFileSync(yamlFile, `tokens:\n  - name: dashboard\n    role: viewer\n    sha256: ${hashToken(VIEWER_TOKEN).toUpperCase()}\n`);
    const jsonFile = path.join(lake.folder, 'tokens.json');
    writeFileSync(jsonFile, JSON.stringify({ tokens: [{ name: 'airflow', role: 'data_engineer', sha256: hashToken(ENGINEER_TOKEN) }] }));

    for (const [tokensFile, token] of [
      [yamlFile, VIEWER_TOKEN],
      [jsonFile, ENGINEER_TOKEN],
    ] as const) {
      const server = await buildServer({ config: lake.config, auth: { tokensFile } });
      try {
        const response = await server.inject({ method: 'GET', url: '/api/v1/models', headers: bearer(token) });
        assert.notEqual(response.statusCode, 401, tokensFile);
      } finally {
        await server.close();
      }
    }
  });

  it('malformed files fail the start', async () => {
    const hash = hashToken(VIEWER_TOKEN);
    const cases: Record<string, string> = {
      'not yaml': 'tokens: [unclosed',
      'no tokens list': 'users: []',
      'empty list': 'tokens: []',
      'entry not an object': 'tokens:\n  - viewer',
      'unknown role': `tokens:\n  - { name: a, role: root, sha256: ${hash} }`,
      'short hash': 'tokens:\n  - { name: a, role: viewer, sha256: abc }',
      'token in place of hash': `tokens:\n  - { name: a, role: viewer, sha256: ${VIEWER_TOKEN} }`,
      'missing name': `tokens:\n  - { role: viewer, sha256: ${hash} }`,
      'extra field': `tokens:\n  - { name: a, role: viewer, sha256: ${hash}, token: x }`,
      'duplicate name': `tokens:\n  - { name: a, role: viewer, sha256: ${hash} }\n  - { name: a, role: admin, sha256: ${hashToken(ADMIN_TOKEN)} }`,
      'duplicate hash': `tokens:\n  - { name: a, role: viewer, sha256: ${hash} }\n  - { name: b, role: admin, sha256: ${hash} }`,
    };

    for (const [label, text] of Object.entries(cases)) {
      const tokensFile = path.join(lake.folder, 'bad-tokens.yaml');
      writeFileSync(tokensFile, text);
      await assert.rejects(buildServer({ config: lake.config, auth: { tokensFile } }), TokensFileError, label);
    }
    await assert.rejects(buildServer({ config: lake.config, auth: { tokensFile: path.join(lake.folder, 'missing.yaml') } }), /cannot be read \(ENOENT\)/);
  });
});

describe('aurora token create', () => {
  it('prints token and entry line', () => {
    const result = runCli(['--lang', 'en', 'token', 'create', '--name', 'dashboard', '--role', 'viewer']);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5, result.stdout);
    assert.match(lines[0] ?? '', /^Token for dashboard \(role viewer\)\. It is shown only now/);

    const token = lines[1] ?? '';
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '32 bytes in base64url without padding');
    const entryLine = lines[4] ?? '';
    assert.match(entryLine, /^- \{/);
    assert.deepEqual(JSON.parse(entryLine.slice(2)), { name: 'dashboard', role: 'viewer', sha256: hashToken(token) });
  });

  it('two calls give different tokens', () => {
    const first = runCli(['token', 'create', '--name', 'a', '--role', 'admin']).stdout.split('\n')[1];
    const second = runCli(['token', 'create', '--name', 'a', '--role', 'admin']).stdout.split('\n')[1];
    assert.notEqual(first, second);
  });

  it('rejects an unknown role', () => {
    const result = runCli(['--lang', 'en', 'token', 'create', '--name', 'a', '--role', 'root']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /root/);
  });

  it('rejects an invalid name', () => {
    const result = runCli(['token', 'create', '--name', 'a b', '--role', 'viewer']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^Ungültiger Name a b/);
  });
});
