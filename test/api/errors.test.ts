import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { languageOfHeader } from '../../src/api/request-language.js';
import { buildServer } from '../../src/api/server.js';
import { createApiLake, NO_AUTH, type ApiLake } from './api-lake.js';

interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

/** A run id with a run record that is not JSON, so reading it fails inside the server. */
const CORRUPT_RUN_ID = '20200101T000000Z-0badc0';

describe('error responses', () => {
  let lake: ApiLake;
  let server: FastifyInstance;
  const logLines: Record<string, unknown>[] = [];

  before(async () => {
    lake = createApiLake();
    mkdirSync(path.join(lake.config.lake, 'runs'), { recursive: true });
    writeFileSync(path.join(lake.config.lake, 'runs', `${CORRUPT_RUN_ID}.json`), '{ not json');

    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter((entry) => entry !== '')) {
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    server = await buildServer({ auth: NO_AUTH, config: lake.config, logStream });
  });

  after(async () => {
    await server.close();
    lake.remove();
  });

  it('unknown route is 404 in the error shape', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v2/everything?x=1' });
    assert.equal(response.statusCode, 404);
    const body = response.json<ErrorBody>();
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'errorId', 'message']);
    assert.equal(body.error.code, 'ROUTE_NOT_FOUND');
    assert.match(body.error.message, /GET \/api\/v2\/everything gibt es nicht/);
  });

  it('messages are German by default', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/runs/20200101T000000Z-abcdef' });
    assert.match(response.json<ErrorBody>().error.message, /^Lauf 20200101T000000Z-abcdef gibt es im Lake nicht/);
  });

  it('messages are English when asked', async () => {
    const response = await server.inject({
      method: 'GET',
      url: '/api/v1/runs/20200101T000000Z-abcdef',
      headers: { 'accept-language': 'en-US,en;q=0.9,de;q=0.8' },
    });
    assert.match(response.json<ErrorBody>().error.message, /^Run 20200101T000000Z-abcdef does not exist in the lake/);
  });

  it('internal error hides the stack', async () => {
    const response = await server.inject({ method: 'GET', url: `/api/v1/runs/${CORRUPT_RUN_ID}`, headers: { 'accept-language': 'en' } });
    assert.equal(response.statusCode, 500);
    const body = response.json<ErrorBody>();
    assert.equal(body.error.code, 'INTERNAL');
    assert.match(body.error.errorId, /^[0-9a-f-]{36}$/);
    assert.equal(body.error.message, `Internal error. Please report it with error id ${body.error.errorId}.`);
    assert.doesNotMatch(response.body, /\bat \S+ \(|\.ts:\d+|SyntaxError|JSON/, 'no stack or cause in the body');
    assert.doesNotMatch(response.body, new RegExp(lake.folder), 'no lake path in the body');
  });

  it('internal error logs the stack with errorId', async () => {
    const response = await server.inject({ method: 'GET', url: `/api/v1/runs/${CORRUPT_RUN_ID}` });
    const { errorId } = response.json<ErrorBody>().error;
    const requestId = response.headers['x-request-id'];

    const entry = logLines.find((line) => line.errorId === errorId);
    assert.ok(entry, 'a log line carries the errorId');
    assert.equal(entry.reqId, requestId);
    const logged = entry.err as { stack?: string; type?: string };
    assert.equal(logged.type, 'SyntaxError');
    assert.match(logged.stack ?? '', /SyntaxError/);
  });

  it('every request log line has a request id', async () => {
    await server.inject({ method: 'GET', url: '/healthz' });
    const requestLines = logLines.filter((line) => line.req !== undefined || line.res !== undefined);
    assert.ok(requestLines.length > 0);
    for (const line of requestLines) {
      assert.match(String(line.reqId), /^[0-9a-f-]{36}$/, JSON.stringify(line));
    }
  });

  it('client request id header is ignored', async () => {
    const response = await server.inject({ method: 'GET', url: '/healthz', headers: { 'request-id': 'forged', 'x-request-id': 'forged' } });
    assert.notEqual(response.headers['x-request-id'], 'forged');
  });
});

describe('Accept-Language', () => {
  it('languageOfHeader picks by q-value', () => {
    const cases: [string | undefined, 'de' | 'en'][] = [
      [undefined, 'de'],
      ['', 'de'],
      ['en', 'en'],
      ['en-US,en;q=0.9', 'en'],
      ['de-DE,de;q=0.9,en;q=0.8', 'de'],
      ['fr-FR,en;q=0.5', 'en'],
      ['fr', 'de'],
      ['de;q=0.2, en;q=0.8', 'en'],
      ['en;q=0, de', 'de'],
      ['*', 'de'],
    ];
    for (const [header, expected] of cases) {
      assert.equal(languageOfHeader(header), expected, String(header));
    }
  });
});
