import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { buildServer } from '../../src/api/server.js';
import { createApiLake, NO_AUTH, type ApiLake } from './api-lake.js';

/** Returns the value of the sample line `name{labels} value`, or undefined when it is absent. */
function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics endpoint', () => {
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

  it('metrics before the first run have no snapshot gauges', async () => {
    const response = await server.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    assert.equal(sampleValue(response.body, 'aurora_runs{status="succeeded"}'), 0);
    assert.equal(sampleValue(response.body, 'aurora_data_freshness_seconds{table="ORDERS"}'), undefined);
    assert.doesNotMatch(response.body, /^aurora_last_run_duration_seconds/m);
    assert.equal(sampleValue(response.body, 'aurora_published_rows_loaded{table="ORDERS"}'), undefined);
  });

  it('metrics contain lake gauges after a run', async () => {
    const outcome = await lake.runFullLoad();
    const text = (await server.inject({ method: 'GET', url: '/metrics' })).body;

    assert.equal(sampleValue(text, 'aurora_runs{status="succeeded"}'), 1);
    assert.equal(sampleValue(text, 'aurora_runs{status="failed"}'), 0);
    assert.equal(sampleValue(text, 'aurora_last_run_duration_seconds{status="succeeded"}'), outcome.run.durationMs / 1000);
    assert.equal(sampleValue(text, 'aurora_published_rows_loaded{table="ORDERS"}'), 3);
    assert.equal(sampleValue(text, 'aurora_published_rows_quarantined{table="ORDERS"}'), 1);
    assert.equal(sampleValue(text, `aurora_published_snapshot_info{run_id="${outcome.run.runId}"}`), 1);

    const freshness = sampleValue(text, 'aurora_data_freshness_seconds{table="ORDERS"}');
    assert.notEqual(freshness, undefined);
    assert.ok((freshness ?? -1) >= 0, `freshness ${freshness}`);
    assert.ok((freshness ?? Infinity) < 600, `freshness ${freshness}`);
    const lakeBytes = sampleValue(text, 'aurora_lake_size_bytes');
    assert.notEqual(lakeBytes, undefined);
    assert.ok((lakeBytes ?? 0) > 1000, `lake size ${lakeBytes}`);
  });

  it('metrics count requests by route template', async () => {
    await server.inject({ method: 'GET', url: '/api/v1/runs' });
    await server.inject({ method: 'GET', url: '/api/v1/runs/20200101T000000Z-abcdef' });
    await server.inject({ method: 'GET', url: '/no/such/path' });
    const text = (await server.inject({ method: 'GET', url: '/metrics' })).body;

    assert.equal(sampleValue(text, 'aurora_http_requests_total{method="GET",route="/api/v1/runs",status_code="200"}'), 1);
    assert.equal(sampleValue(text, 'aurora_http_requests_total{method="GET",route="/api/v1/runs/:runId",status_code="404"}'), 1);
    assert.equal(sampleValue(text, 'aurora_http_requests_total{method="GET",route="unmatched",status_code="404"}'), 1);
    assert.match(text, /# TYPE aurora_http_request_duration_seconds histogram/);
    assert.equal(sampleValue(text, 'aurora_http_request_duration_seconds_count{method="GET",route="/api/v1/runs",status_code="200"}'), 1);
    assert.match(text, /aurora_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/runs",status_code="200"\} \d+/);
  });

  it('metrics count errors by code', async () => {
    const before = (await server.inject({ method: 'GET', url: '/metrics' })).body;
    const count = (text: string, series: string): number => sampleValue(text, series) ?? 0;

    // A run id in the valid form whose record contains no JSON fails inside the handler.
    const brokenRunId = '20200101T000000Z-0badf0';
    writeFileSync(path.join(lake.config.lake, 'runs', `${brokenRunId}.json`), '{ not json');
    assert.equal((await server.inject({ method: 'GET', url: `/api/v1/runs/${brokenRunId}` })).statusCode, 500);
    assert.equal((await server.inject({ method: 'GET', url: '/api/v1/runs/20200101T000000Z-abcdef' })).statusCode, 404);
    assert.equal((await server.inject({ method: 'GET', url: '/api/v1/runs/not-a-run-id' })).statusCode, 400);

    const text = (await server.inject({ method: 'GET', url: '/metrics' })).body;
    assert.equal(count(text, 'aurora_http_errors_total{code="INTERNAL",status_code="500"}') - count(before, 'aurora_http_errors_total{code="INTERNAL",status_code="500"}'), 1);
    assert.equal(count(text, 'aurora_http_errors_total{code="RUN_NOT_FOUND",status_code="404"}') - count(before, 'aurora_http_errors_total{code="RUN_NOT_FOUND",status_code="404"}'), 1);
    assert.equal(count(text, 'aurora_http_errors_total{code="INVALID_PARAMETER",status_code="400"}') - count(before, 'aurora_http_errors_total{code="INVALID_PARAMETER",status_code="400"}'), 1);
  });

  it('metrics include process and run time gauges', async () => {
    const text = (await server.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /^aurora_process_cpu_user_seconds_total \d/m);
    assert.match(text, /^aurora_nodejs_eventloop_lag_seconds \d/m);
    assert.match(text, /^aurora_process_resident_memory_bytes \d/m);

    const finished = sampleValue(text, 'aurora_last_run_timestamp_seconds{status="succeeded"}');
    assert.notEqual(finished, undefined);
    const ageSeconds = Date.now() / 1000 - (finished ?? 0);
    assert.ok(ageSeconds >= 0, `last run finished ${ageSeconds} s ago`);
    assert.ok(ageSeconds < 600, `last run finished ${ageSeconds} s ago`);
  });

  it('lake size is cached per snapshot', async () => {
    const first = sampleValue((await server.inject({ method: 'GET', url: '/metrics' })).body, 'aurora_lake_size_bytes') ?? 0;
    writeFileSync(path.join(lake.config.lake, 'padding.bin'), Buffer.alloc(1_000_000));
    const cached = sampleValue((await server.inject({ method: 'GET', url: '/metrics' })).body, 'aurora_lake_size_bytes');
    assert.equal(cached, first, 'the same snapshot does not walk the lake again');

    await lake.runFullLoad();
    const measured = sampleValue((await server.inject({ method: 'GET', url: '/metrics' })).body, 'aurora_lake_size_bytes') ?? 0;
    assert.ok(measured >= first + 1_000_000, `a new snapshot measures again: ${first} -> ${measured}`);
  });

  it('metrics registries are separate per server', async () => {
    const other = await buildServer({ auth: NO_AUTH, config: lake.config });
    try {
      const text = (await other.inject({ method: 'GET', url: '/metrics' })).body;
      assert.equal(sampleValue(text, 'aurora_http_requests_total{method="GET",route="/api/v1/runs",status_code="200"}'), undefined);
    } finally {
      await other.close();
    }
  });
});
