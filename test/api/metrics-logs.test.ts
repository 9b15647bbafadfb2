import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';

import Fastify, { type FastifyInstance } from 'fastify';

import { registerRequestLogContext, requestIdMixin } from '../../src/api/request-log-context.js';
import { buildServer } from '../../src/api/server.js';
import { createApiLake, NO_AUTH, type ApiLake } from './api-lake.js';

type LogLine = Record<string, unknown> & { msg?: string; reqId?: string };

/** Collects the JSON lines written to the returned stream. */
function captureLog(): { stream: PassThrough; lines: LogLine[] } {
  const stream = new PassThrough();
  const lines: LogLine[] = [];
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts.filter((entry) => entry !== '')) {
      lines.push(JSON.parse(part) as LogLine);
    }
  });
  return { stream, lines };
}

describe('structured request logs', () => {
  let lake: ApiLake;
  let server: FastifyInstance;
  const log = captureLog();

  before(async () => {
    lake = createApiLake();
    server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: { max: 2, timeWindowMs: 60_000 }, logStream: log.stream });
  });

  after(async () => {
    await server.close();
    lake.remove();
  });

  it('handler and hook lines carry the request id', async () => {
    const startLine = log.lines.length;

    // The readiness handler logs "not ready" itself; the rate limit hook's 429 is logged by the error handler.
    const notReady = await server.inject({ method: 'GET', url: '/readyz' });
    assert.equal(notReady.statusCode, 503);
    await server.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.90' });
    await server.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.90' });
    const limited = await server.inject({ method: 'GET', url: '/api/v1/runs', remoteAddress: '192.0.2.90' });
    assert.equal(limited.statusCode, 429);

    const lines = log.lines.slice(startLine);
    assert.ok(lines.length >= 10, `${lines.length} lines`);
    for (const line of lines) {
      assert.match(String(line.reqId), /^[0-9a-f-]{36}$/, `line without reqId: ${JSON.stringify(line)}`);
      assert.equal(typeof line.time, 'number');
      assert.equal(typeof line.level, 'number');
    }

    const notReadyLine = lines.find((line) => line.msg === 'not ready');
    assert.equal(notReadyLine?.reqId, notReady.headers['x-request-id'], 'the handler line has the id of its response');
    const rejectedLine = lines.find((line) => line.msg === 'request rejected' && line.code === 'RATE_LIMITED');
    assert.equal(rejectedLine?.reqId, limited.headers['x-request-id'], 'the hook rejection has the id of its response');

    const serialized = JSON.stringify(lines);
    assert.doesNotMatch(serialized, /"stack"/, 'client errors are logged without a stack');
  });

  it('lines of the server logger get the request id', async () => {
    const captured = captureLog();
    const plain = Fastify({ logger: { level: 'info', stream: captured.stream, mixin: requestIdMixin }, genReqId: () => 'request-1' });
    registerRequestLogContext(plain);
    plain.addHook('preHandler', async () => {
      plain.log.info('from a hook through the server logger');
    });
    plain.get('/', async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      plain.log.info('from a handler through the server logger');
      request.log.info('from a handler through the request logger');
      return { ok: true };
    });
    try {
      await plain.inject({ method: 'GET', url: '/' });
      plain.log.info('outside any request');

      const byMessage = new Map(captured.lines.map((line) => [line.msg, line]));
      assert.equal(byMessage.get('from a hook through the server logger')?.reqId, 'request-1');
      assert.equal(byMessage.get('from a handler through the server logger')?.reqId, 'request-1');
      assert.equal(byMessage.get('outside any request')?.reqId, undefined);

      // request.log binds reqId itself; the mixin must not write the key a second time.
      const raw = await new Promise<string>((resolve) => {
        const stream = new PassThrough();
        let text = '';
        stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        const child = Fastify({ logger: { level: 'info', stream, mixin: requestIdMixin }, genReqId: () => 'request-2' });
        registerRequestLogContext(child);
        child.get('/', async (request) => {
          request.log.info('once');
          return {};
        });
        void child.inject({ method: 'GET', url: '/' }).then(() => resolve(text));
      });
      const onceLine = raw.split('\n').find((line) => line.includes('"once"')) ?? '';
      assert.equal(onceLine.match(/"reqId"/g)?.length, 1, onceLine);
    } finally {
      await plain.close();
    }
  });
});
