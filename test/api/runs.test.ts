import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { buildServer } from '../../src/api/server.js';
import type { RunSummary } from '../../src/lake/run-history.js';
import type { RunResult } from '../../src/pipeline/run-result.js';
import { QUALITY_REPORT_JSON_VERSION, type QualityReportJson } from '../../src/reports/quality-report-json.js';
import { createApiLake, NO_AUTH, type ApiLake } from './api-lake.js';

interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

describe('runs, quality and freshness endpoints', () => {
  let lake: ApiLake;
  let server: FastifyInstance;
  let firstRunId: string;
  let secondRunId: string;

  before(async () => {
    lake = createApiLake();
    server = await buildServer({ auth: NO_AUTH, config: lake.config });
  });

  after(async () => {
    await server.close();
    lake.remove();
  });

  it('freshness is 503 before the first run', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/freshness' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json<ErrorBody>().error.code, 'NOTHING_PUBLISHED');
  });

  it('runs list is empty before the first run', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/runs' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { runs: [], lastKnownGood: null });
  });

  it('runs list is newest first', async () => {
    firstRunId = (await lake.runFullLoad()).run.runId;
    secondRunId = (await lake.runFullLoad()).run.runId;

    const response = await server.inject({ method: 'GET', url: '/api/v1/runs' });
    assert.equal(response.statusCode, 200);
    const body = response.json<{ runs: RunSummary[]; lastKnownGood: string }>();
    assert.deepEqual(
      body.runs.map((run) => run.runId),
      [secondRunId, firstRunId],
    );
    assert.equal(body.runs[0]?.current, true);
    assert.equal(body.runs[0]?.silverRows, 3);
    assert.equal(body.runs[0]?.quarantinedRows, 1);
    assert.equal(body.lastKnownGood, secondRunId);
  });

  it('run detail returns the run record', async () => {
    const response = await server.inject({ method: 'GET', url: `/api/v1/runs/${firstRunId}` });
    assert.equal(response.statusCode, 200);
    const run = response.json<RunResult>();
    assert.equal(run.runId, firstRunId);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.tables[0]?.table, 'ORDERS');
  });

  it('run detail rejects a malformed run id', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/runs/latest' });
    assert.equal(response.statusCode, 400);
    const body = response.json<ErrorBody>();
    assert.equal(body.error.code, 'INVALID_PARAMETER');
    assert.match(body.error.message, /runId/);
  });

  it('run detail rejects path traversal', async () => {
    for (const url of ['/api/v1/runs/..%2F..%2Fetc%2Fpasswd', '/api/v1/quality/..%2F..%2Fetc%2Fpasswd', `/api/v1/runs/${firstRunId}%2F..`]) {
      const response = await server.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 400, url);
      assert.equal(response.json<ErrorBody>().error.code, 'INVALID_PARAMETER', url);
      assert.doesNotMatch(response.body, /root:/, url);
    }
  });

  it('run detail of an unknown run is 404', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/runs/20200101T000000Z-abcdef' });
    assert.equal(response.statusCode, 404);
    const body = response.json<ErrorBody>();
    assert.equal(body.error.code, 'RUN_NOT_FOUND');
    assert.match(body.error.message, /20200101T000000Z-abcdef/);
  });

  it('quality returns the report of a run', async () => {
    const response = await server.inject({ method: 'GET', url: `/api/v1/quality/${secondRunId}` });
    assert.equal(response.statusCode, 200);
    const report = response.json<QualityReportJson>();
    assert.equal(report.version, QUALITY_REPORT_JSON_VERSION);
    assert.equal(report.run.runId, secondRunId);
  });

  it('quality of an unknown run is 404', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/quality/20200101T000000Z-abcdef' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json<ErrorBody>().error.code, 'REPORT_NOT_FOUND');
  });

  it('freshness lists tables of the published run', async () => {
    const response = await server.inject({ method: 'GET', url: '/api/v1/freshness' });
    assert.equal(response.statusCode, 200);
    const body = response.json<{ runId: string; tables: { table: string; finishedAt: string; ageSeconds: number; silverRows: number }[] }>();
    assert.equal(body.runId, secondRunId);
    assert.equal(body.tables.length, 1);
    const [table] = body.tables;
    assert.equal(table?.table, 'ORDERS');
    assert.equal(table?.silverRows, 3);
    assert.equal(typeof table?.ageSeconds, 'number');
    assert.ok((table?.ageSeconds ?? -1) >= 0, `ageSeconds ${table?.ageSeconds}`);
    assert.ok((table?.ageSeconds ?? Infinity) < 600, `ageSeconds ${table?.ageSeconds}`);
    assert.ok(!Number.isNaN(Date.parse(table?.finishedAt ?? '')), 'finishedAt is an ISO instant');
  });
});
