import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DuckDBInstance } from '@duckdb/node-api';
import type { FastifyInstance } from 'fastify';

import { hashToken } from '../../src/api/auth/tokens-file.js';
import { buildServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { AuroraConfig } from '../../src/config/types.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { loadSuperstore } from '../../src/samples/superstore.js';
import { NO_AUTH } from './api-lake.js';

const EXAMPLE_CONFIG = path.resolve('examples/superstore/aurora.yaml');

/** The exact sales total of the Superstore CSV, before quarantine. */
const TOTAL_SALES = '2297200.8603';

interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

interface ModelsBody {
  runId: string;
  models: {
    name: string;
    description: string;
    grain: string[];
    dimensions: string[];
    dateDimension: string | null;
    measures: { name: string; unit: string | null; description: string }[];
    columns: { name: string; type: string }[];
    rows: number;
  }[];
}

type KpiRow = Record<string, string | number | null>;

interface KpiBody {
  runId: string;
  model: string;
  rows: KpiRow[];
  nextCursor: string | null;
}

/** Parses a decimal string into an integer scaled by 10^scale, so sums stay exact. */
function toScaled(text: string, scale: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  assert.ok(match, `decimal string expected, got ${JSON.stringify(text)}`);
  const [, sign = '', whole = '0', fraction = ''] = match;
  assert.ok(fraction.length <= scale, `${text} has more than ${scale} decimal places`);
  const value = BigInt(whole + fraction.padEnd(scale, '0'));
  return sign === '-' ? -value : value;
}

describe('gold model and KPI endpoints on Superstore', () => {
  let folder: string;
  let config: AuroraConfig;
  let server: FastifyInstance;
  let silverSales: string;
  let quarantinedSales: string;

  const get = (url: string, headers: Record<string, string> = {}) => server.inject({ method: 'GET', url, headers });

  /** Follows nextCursor from the first page to the last and returns every page. */
  async function readAllPages(query: string): Promise<KpiBody[]> {
    const pages: KpiBody[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/kpis/sales_by_region_month?${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
      const response = await get(url);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<KpiBody>();
      pages.push(body);
      cursor = body.nextCursor;
      assert.ok(pages.length < 100, 'pagination ends');
    } while (cursor !== null);
    return pages;
  }

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'aurora-kpis-'));
    const database = path.join(folder, 'legacy.sqlite');
    await loadSuperstore(`sqlite:${database}`, { replace: false });
    const lake = path.join(folder, 'lake');
    config = loadConfig(EXAMPLE_CONFIG, { AURORA_SUPERSTORE_DB: database, AURORA_SUPERSTORE_LAKE: lake });

    const outcome = await runFullLoad({ config });
    assert.equal(outcome.error, undefined, outcome.run.error?.message.en);

    // The expected totals come from the published silver and quarantine files, not from the API.
    const snapshot = path.join(lake, 'snapshots', outcome.run.runId);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const silver = await connection.runAndReadAll(
        `SELECT CAST(sum(SALES) AS VARCHAR) FROM read_parquet(${quoteLiteral(path.join(snapshot, 'silver', 'SUPERSTORE_ORDERS', '*.parquet'))})`,
      );
      silverSales = String(silver.getRows()[0]?.[0]);
      const quarantine = await connection.runAndReadAll(
        `SELECT CAST(sum(CAST(SALES AS DECIMAL(38, 4))) AS VARCHAR) FROM read_parquet(${quoteLiteral(path.join(snapshot, 'quarantine', 'SUPERSTORE_ORDERS', '*.parquet'))})`,
      );
      quarantinedSales = String(quarantine.getRows()[0]?.[0]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }

    server = await buildServer({ auth: NO_AUTH, config, rateLimit: { max: 10_000, timeWindowMs: 60_000 } });
  });

  after(async () => {
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('silver total is the CSV total minus quarantine', () => {
    assert.equal(toScaled(silverSales, 4), toScaled(TOTAL_SALES, 4) - toScaled(quarantinedSales, 4));
    assert.ok(toScaled(quarantinedSales, 4) > 0n, 'some sales are quarantined');
  });

  it('models lists the gold model in German by default', async () => {
    const response = await get('/api/v1/models');
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-language'], 'de');
    const body = response.json<ModelsBody>();
    assert.equal(body.models.length, 1);
    const [model] = body.models;
    assert.equal(model?.name, 'sales_by_region_month');
    assert.match(model?.description ?? '', /^Umsatz, Gewinn und Marge/);
    assert.deepEqual(model?.dimensions, ['MONTH', 'REGION', 'CATEGORY']);
    assert.deepEqual(model?.grain, ['MONTH', 'REGION', 'CATEGORY']);
    assert.equal(model?.dateDimension, 'MONTH');
    assert.deepEqual(
      model?.measures.map((measure) => measure.name),
      ['SALES', 'PROFIT', 'MARGIN', 'ORDERS'],
    );
    assert.equal(model?.measures[0]?.unit, 'USD');
    assert.ok((model?.rows ?? 0) > 0, 'the model has rows');
  });

  it('models describes in English on request', async () => {
    const response = await get('/api/v1/models', { 'accept-language': 'en-US,de;q=0.5' });
    assert.equal(response.statusCode, 200);
    const model = response.json<ModelsBody>().models[0];
    assert.match(model?.description ?? '', /^Sales, profit and margin/);
    assert.equal(model?.measures[0]?.description, "Sum of the order lines' sales.");
  });

  it('kpis returns typed values as strings', async () => {
    const response = await get('/api/v1/kpis/sales_by_region_month?limit=5');
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<KpiBody>();
    assert.equal(body.model, 'sales_by_region_month');
    assert.equal(body.rows.length, 5);
    assert.equal(typeof body.nextCursor, 'string');
    const [row] = body.rows;
    assert.match(String(row?.MONTH), /^\d{4}-\d{2}-01$/);
    assert.equal(typeof row?.SALES, 'string');
    assert.match(String(row?.SALES), /^-?\d+\.\d{4}$/);
    assert.equal(typeof row?.PROFIT, 'string');
    assert.equal(typeof row?.ORDERS, 'string', 'count() is BIGINT, so it is a string');
  });

  it('kpis filters by dimension', async () => {
    const pages = await readAllPages('dim.REGION=West&limit=1000');
    const rows = pages.flatMap((page) => page.rows);
    assert.ok(rows.length > 0);
    assert.ok(
      rows.every((row) => row.REGION === 'West'),
      'only West rows',
    );
  });

  it('kpis repeats a filter as OR', async () => {
    const rows = (await readAllPages('dim.REGION=West&dim.REGION=East&limit=1000')).flatMap((page) => page.rows);
    assert.deepEqual([...new Set(rows.map((row) => row.REGION))].sort(), ['East', 'West']);
  });

  it('kpis applies the date range inclusively', async () => {
    const rows = (await readAllPages('from=2017-03-01&to=2017-05-31&limit=1000')).flatMap((page) => page.rows);
    assert.deepEqual([...new Set(rows.map((row) => row.MONTH))].sort(), ['2017-03-01', '2017-04-01', '2017-05-01']);
  });

  it('kpis sorts by a measure descending', async () => {
    const response = await get('/api/v1/kpis/sales_by_region_month?sort=SALES&order=desc&limit=20');
    assert.equal(response.statusCode, 200, response.body);
    const sales = response.json<KpiBody>().rows.map((row) => toScaled(String(row.SALES), 4));
    for (let index = 1; index < sales.length; index += 1) {
      assert.ok((sales[index - 1] as bigint) >= (sales[index] as bigint), `row ${index} is not after row ${index - 1}`);
    }
  });

  it('kpis pages return every row once', async () => {
    const models = (await get('/api/v1/models')).json<ModelsBody>();
    const expectedRows = models.models[0]?.rows ?? 0;

    for (const query of ['limit=37', 'sort=SALES&order=desc&limit=50', 'sort=MARGIN&limit=45', 'sort=CATEGORY&order=desc&limit=100']) {
      const pages = await readAllPages(query);
      const rows = pages.flatMap((page) => page.rows);
      const keys = rows.map((row) => `${row.MONTH}|${row.REGION}|${row.CATEGORY}`);
      assert.equal(rows.length, expectedRows, query);
      assert.equal(new Set(keys).size, expectedRows, `${query}: no row repeats`);
      assert.ok(pages.length > 1, `${query}: more than one page`);

      const total = rows.reduce((sum, row) => sum + toScaled(String(row.SALES), 4), 0n);
      assert.equal(total, toScaled(silverSales, 4), `${query}: SALES over all pages equals the silver total`);
    }
  });

  it('kpis rejects an unknown dimension', async () => {
    const response = await get('/api/v1/kpis/sales_by_region_month?dim.COUNTRY=US');
    assert.equal(response.statusCode, 400);
    const body = response.json<ErrorBody>();
    assert.equal(body.error.code, 'INVALID_PARAMETER');
    assert.match(body.error.message, /dim\.COUNTRY/);
  });

  it('kpis rejects a filter on a measure', async () => {
    const response = await get('/api/v1/kpis/sales_by_region_month?dim.SALES=1');
    assert.equal(response.statusCode, 400);
    assert.match(response.json<ErrorBody>().error.message, /dim\.SALES/);
  });

  it('kpis rejects an unknown parameter', async () => {
    const response = await get('/api/v1/kpis/sales_by_region_month?region=West', { 'accept-language': 'en' });
    assert.equal(response.statusCode, 400);
    const body = response.json<ErrorBody>();
    assert.equal(body.error.code, 'INVALID_PARAMETER');
    assert.match(body.error.message, /^Invalid value for region: unknown parameter/);
  });

  it('kpis rejects invalid parameters by name', async () => {
    const cases: [string, RegExp][] = [
      ['limit=0', /für limit/],
      ['limit=1001', /für limit/],
      ['limit=ten', /für limit/],
      ['limit=0x10', /für limit: erwartet wird eine ganze Zahl aus Ziffern/],
      ['limit=1e1', /für limit/],
      ['limit=%2010', /für limit/],
      ['limit=5&limit=6', /für limit/],
      ['order=up', /für order/],
      ['from=2017-13-01', /für from/],
      ['to=yesterday', /für to/],
      ['from=2017-05-01&to=2017-03-01', /für to/],
      ['sort=COUNTRY', /für sort/],
      ['sort=SALES&sort=PROFIT', /für sort/],
    ];
    for (const [query, message] of cases) {
      const response = await get(`/api/v1/kpis/sales_by_region_month?${query}`);
      assert.equal(response.statusCode, 400, query);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'INVALID_PARAMETER', query);
      assert.match(body.error.message, message, query);
    }
  });

  it('kpis is safe against SQL injection', async () => {
    const attempts = [
      `dim.REGION=${encodeURIComponent("REGION'; DROP TABLE x; --")}`,
      `dim.REGION=${encodeURIComponent("West' OR '1'='1")}`,
      `sort=${encodeURIComponent('SALES;DROP')}`,
      `sort=${encodeURIComponent('SALES DESC, (SELECT 1)')}`,
      `dim.${encodeURIComponent('REGION" = REGION OR "1')}=x`,
      `from=${encodeURIComponent("2017-01-01' OR 1=1 --")}`,
    ];
    for (const query of attempts) {
      const response = await get(`/api/v1/kpis/sales_by_region_month?${query}`);
      assert.ok(response.statusCode === 400 || response.statusCode === 200, `${query}: status ${response.statusCode}`);
      if (response.statusCode === 200) {
        assert.deepEqual(response.json<KpiBody>().rows, [], `${query}: no rows`);
      }
    }

    const after = await get('/api/v1/kpis/sales_by_region_month?limit=1');
    assert.equal(after.statusCode, 200, 'the model is still readable');
  });

  it('kpis rejects a tampered cursor', async () => {
    const first = (await get('/api/v1/kpis/sales_by_region_month?limit=2')).json<KpiBody>();
    const cursor = first.nextCursor ?? '';
    const content = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k: unknown[] };
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

    const tampered = [
      'not-a-cursor',
      encode('just a string'),
      encode({ ...content, k: ["2017-01-01'; DROP TABLE x; --", 'West', 'Furniture'] }),
      encode({ ...content, k: ['2017-01-01'] }),
      encode({ ...content, s: 'SALES' }),
      encode({ ...content, k: [{ nested: true }, 'West', 'Furniture'] }),
      `${cursor}!`,
    ];
    for (const value of tampered) {
      const response = await get(`/api/v1/kpis/sales_by_region_month?limit=2&cursor=${encodeURIComponent(value)}`);
      assert.equal(response.statusCode, 400, `cursor ${value}: ${response.body}`);
      assert.match(response.json<ErrorBody>().error.message, /cursor/);
    }

    const withOtherOrder = await get(`/api/v1/kpis/sales_by_region_month?limit=2&order=desc&cursor=${cursor}`);
    assert.equal(withOtherOrder.statusCode, 400, 'a cursor is bound to its order');
  });

  it('kpis of an unknown model is 404', async () => {
    const response = await get('/api/v1/kpis/no_such_model');
    assert.equal(response.statusCode, 404);
    const body = response.json<ErrorBody>();
    assert.equal(body.error.code, 'MODEL_NOT_FOUND');
    assert.match(body.error.message, /no_such_model/);
  });

  it('kpis rejects an invalid model name', async () => {
    for (const name of ['Sales', '..%2F..%2Fetc%2Fpasswd', '1model', `a${'b'.repeat(63)}`]) {
      const response = await get(`/api/v1/kpis/${name}`);
      assert.equal(response.statusCode, 400, name);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'INVALID_PARAMETER', name);
      assert.match(body.error.message, /für model/, name);
    }
  });

  it('kpis without model description is 503', async () => {
    const withoutModels = await buildServer({ auth: NO_AUTH, config: { ...config, models: undefined } });
    try {
      const models = await withoutModels.inject({ method: 'GET', url: '/api/v1/models' });
      assert.equal(models.statusCode, 200);
      assert.deepEqual(models.json<ModelsBody>().models, [], 'a model without description is left out');

      const kpis = await withoutModels.inject({ method: 'GET', url: '/api/v1/kpis/sales_by_region_month' });
      assert.equal(kpis.statusCode, 503);
      assert.equal(kpis.json<ErrorBody>().error.code, 'MODEL_UNAVAILABLE');
    } finally {
      await withoutModels.close();
    }
  });

  it('kpis with a viewer token is 200', async () => {
    const token = 'viewer-token-for-the-kpi-test';
    const withTokens = await buildServer({ config, auth: { tokens: [{ name: 'dashboard', role: 'viewer', sha256: hashToken(token) }] } });
    try {
      const anonymous = await withTokens.inject({ method: 'GET', url: '/api/v1/kpis/sales_by_region_month?limit=1' });
      assert.equal(anonymous.statusCode, 401);

      const response = await withTokens.inject({ method: 'GET', url: '/api/v1/kpis/sales_by_region_month?limit=1', headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json<{ rows: unknown[] }>().rows.length, 1);
    } finally {
      await withTokens.close();
    }
  });

  it('docs serve an OpenAPI document', async () => {
    const response = await get('/api/docs');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.match(String(response.headers['content-security-policy']), /default-src 'none'/);

    const document = response.json<{ openapi: string; info: { title: string }; paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }> }>();
    assert.match(document.openapi, /^3\./);
    assert.equal(document.info.title, 'Aurora API');
    for (const route of ['/api/v1/runs', '/api/v1/runs/{runId}', '/api/v1/quality/{runId}', '/api/v1/freshness', '/api/v1/models', '/api/v1/kpis/{model}']) {
      assert.ok(document.paths[route]?.get, `${route} is documented`);
    }
    const parameters = document.paths['/api/v1/kpis/{model}']?.get?.parameters ?? [];
    const names = parameters.map((parameter) => `${parameter.in}:${parameter.name}`);
    for (const name of ['path:model', 'query:from', 'query:to', 'query:sort', 'query:order', 'query:limit', 'query:cursor']) {
      assert.ok(names.includes(name), `${name} is documented`);
    }
    assert.equal(document.paths['/api/docs'], undefined, 'the document does not list itself');
  });
});
