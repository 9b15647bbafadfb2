import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';

import { hashToken } from '../../src/api/auth/tokens-file.js';
import { readPublishedModel, withConnection } from '../../src/api/gold-models.js';
import { KpiTotalsCache } from '../../src/api/kpi-totals-cache.js';
import { queryKpiTotals, type KpiTotals } from '../../src/api/kpi-totals-query.js';
import { buildServer } from '../../src/api/server.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { LakeLayout } from '../../src/lake/lake-layout.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { createApiLake } from '../api/api-lake.js';
import { createErpLake, type ErpLake } from './erp-lake.js';
import type { TotalsBody } from './expected-values.js';

const SCALE = 0.002;
const VIEWER_TOKEN = 'viewer-token-for-the-totals-test';

interface ErrorBody {
  error: { code: string; message: string };
}

describe('GET /api/v1/kpis/:model/totals', () => {
  let lake: ErpLake;
  let server: FastifyInstance;
  let duckdb: DuckDBInstance;
  let goldFolder: string;

  const get = (url: string, language = 'de') => server.inject({ method: 'GET', url, headers: { 'accept-language': language } });

  /** Runs a query on the published gold Parquet file directly, as the reference for the endpoint. */
  async function reference(model: string, select: string): Promise<Record<string, string | null>[]> {
    const connection = await duckdb.connect();
    try {
      const sql = select.replace('$FILE', `read_parquet(${quoteLiteral(path.join(goldFolder, `${model}.parquet`))})`);
      return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, string | null>[];
    } finally {
      connection.closeSync();
    }
  }

  before(async () => {
    lake = await createErpLake(SCALE);
    server = await buildServer({ config: lake.config, auth: { disabled: true }, rateLimit: { max: 100_000, timeWindowMs: 60_000 } });
    duckdb = await DuckDBInstance.create(':memory:');
    const pointer = JSON.parse(readFileSync(path.join(lake.config.lake, 'CURRENT'), 'utf8')) as { snapshot: string };
    goldFolder = path.join(lake.config.lake, pointer.snapshot, 'gold');
  });

  after(async () => {
    await server?.close();
    duckdb?.closeSync();
    lake?.remove();
  });

  it('sums every measure exactly', async () => {
    const response = await get('/api/v1/kpis/order_intake/totals');
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<TotalsBody & { model: string; groupBy: string[] }>();
    assert.equal(body.model, 'order_intake');
    assert.deepEqual(body.groupBy, []);
    assert.equal(body.truncated, false);
    assert.equal(body.groups.length, 1);

    const [expected] = await reference(
      'order_intake',
      'SELECT CAST(count(*) AS VARCHAR) AS n, CAST(sum(ORDER_INTAKE) AS VARCHAR) AS a, CAST(sum(ORDER_INTAKE_EUR) AS VARCHAR) AS b, CAST(sum(ORDERS) AS VARCHAR) AS c FROM $FILE',
    );
    const group = body.groups[0];
    assert.deepEqual(group?.key, {});
    assert.equal(group?.rows, expected?.n);
    assert.deepEqual(group?.sums, { ORDER_INTAKE: expected?.a, ORDER_INTAKE_EUR: expected?.b, ORDERS: expected?.c });
    assert.match(group?.sums.ORDER_INTAKE_EUR ?? '', /^\d+\.\d{2}$/, 'decimal as a string with its scale');
  });

  it('groups by month and dimension', async () => {
    const response = await get('/api/v1/kpis/order_intake/totals?groupBy=month&groupBy=CURRENCY&dim.PLANT_ID=1&from=2023-01-01&to=2023-12-31');
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<TotalsBody>();

    const expected = await reference(
      'order_intake',
      `SELECT CAST(MONTH AS VARCHAR) AS month, CURRENCY, CAST(sum(ORDER_INTAKE_EUR) AS VARCHAR) AS eur, CAST(count(*) AS VARCHAR) AS n FROM $FILE
       WHERE CAST(PLANT_ID AS VARCHAR) = '1' AND MONTH BETWEEN DATE '2023-01-01' AND DATE '2023-12-31'
       GROUP BY ALL ORDER BY 1, 2`,
    );
    assert.ok(expected.length > 12, 'several currencies in some months');
    assert.deepEqual(
      body.groups.map((group) => ({ month: group.key.month, CURRENCY: group.key.CURRENCY, eur: group.sums.ORDER_INTAKE_EUR, n: group.rows })),
      expected,
    );
  });

  it('returns no group for an empty selection', async () => {
    const grouped = await get('/api/v1/kpis/revenue/totals?groupBy=month&dim.PLANT_ID=no-such-plant');
    assert.deepEqual(grouped.json<TotalsBody>().groups, []);

    const total = await get('/api/v1/kpis/revenue/totals?dim.PLANT_ID=no-such-plant');
    assert.deepEqual(total.json<TotalsBody>().groups, [{ key: {}, rows: '0', sums: { REVENUE: null, REVENUE_EUR: null, INVOICES: null } }]);
  });

  it('rejects invalid parameters', async () => {
    const cases: [string, string, RegExp][] = [
      ['/api/v1/kpis/order_intake/totals?groupBy=NOPE', 'groupBy', /weder month noch eine Dimension/],
      ['/api/v1/kpis/order_intake/totals?groupBy=month&groupBy=CURRENCY&groupBy=PLANT_ID', 'groupBy', /höchstens zwei/],
      ['/api/v1/kpis/order_intake/totals?groupBy=month&groupBy=month', 'groupBy', /höchstens zwei verschiedene/],
      ['/api/v1/kpis/order_intake/totals?dim.NOPE=1', 'dim.NOPE', /keine Dimension/],
      ['/api/v1/kpis/order_intake/totals?from=2024-02-01&to=2024-01-01', 'to', /liegt vor from/],
      ['/api/v1/kpis/order_intake/totals?from=31.01.2024', 'from', /JJJJ-MM-TT/],
      ['/api/v1/kpis/order_intake/totals?limit=5', 'limit', /unbekannter Parameter/],
      ['/api/v1/kpis/Order-Intake/totals', 'model', /Modellname/],
    ];
    for (const [url, field, reason] of cases) {
      const response = await get(url);
      assert.equal(response.statusCode, 400, url);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'INVALID_PARAMETER', url);
      assert.ok(body.error.message.startsWith(`Ungültiger Wert für ${field}:`), `${url}: ${body.error.message}`);
      assert.match(body.error.message, reason, url);
    }

    const english = await get('/api/v1/kpis/order_intake/totals?groupBy=NOPE', 'en');
    assert.match(english.json<ErrorBody>().error.message, /^Invalid value for groupBy: "NOPE" is neither month nor a dimension/);
    assert.equal((await get('/api/v1/kpis/no_such_model/totals')).json<ErrorBody>().error.code, 'MODEL_NOT_FOUND');
  });

  it('binds filter values as parameters', async () => {
    const response = await get(`/api/v1/kpis/order_intake/totals?dim.CURRENCY=${encodeURIComponent("EUR' OR '1'='1")}`);
    assert.equal(response.statusCode, 200);
    assert.equal(response.json<TotalsBody>().groups[0]?.rows, '0');
  });

  it('caps the number of groups', async () => {
    const source = { layout: new LakeLayout(lake.config.lake), modelsFolder: lake.config.models, duckdb };
    const { model } = await readPublishedModel(source, 'order_intake');
    const request = { filters: new Map(), groupBy: ['CUSTOMER_ID', 'month'] };
    const [count] = await reference('order_intake', 'SELECT count(DISTINCT (CUSTOMER_ID, MONTH))::INTEGER AS n FROM $FILE');
    const all = Number(count?.n);

    const capped = await withConnection(duckdb, (connection) => queryKpiTotals(connection, model, request, all - 1));
    assert.equal(capped.truncated, true);
    assert.equal(capped.groups.length, all - 1);
    const exact = await withConnection(duckdb, (connection) => queryKpiTotals(connection, model, request, all));
    assert.equal(exact.truncated, false);
    assert.equal(exact.groups.length, all);
    assert.deepEqual(exact.groups.slice(0, all - 1), capped.groups, 'the cap keeps the first groups in key order');
  });

  it('requires credentials, allows viewers', async () => {
    const secured = await buildServer({ config: lake.config, auth: { tokens: [{ name: 'dashboard', role: 'viewer', sha256: hashToken(VIEWER_TOKEN) }] } });
    try {
      const anonymous = await secured.inject({ method: 'GET', url: '/api/v1/kpis/revenue/totals' });
      assert.equal(anonymous.statusCode, 401);
      const viewer = await secured.inject({ method: 'GET', url: '/api/v1/kpis/revenue/totals', headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
      assert.equal(viewer.statusCode, 200);
      const page = await secured.inject({ method: 'GET', url: '/' });
      assert.ok([200, 404].includes(page.statusCode), 'the dashboard page needs no credentials');
      assert.notEqual(page.statusCode, 401);
    } finally {
      await secured.close();
    }
  });

  it('returns 503 before the first run', async () => {
    const empty = createApiLake();
    const emptyServer = await buildServer({ config: empty.config, auth: { disabled: true } });
    try {
      const response = await emptyServer.inject({ method: 'GET', url: '/api/v1/kpis/order_intake/totals' });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json<ErrorBody>().error.code, 'NOTHING_PUBLISHED');
    } finally {
      await emptyServer.close();
      empty.remove();
    }
  });

  // Runs last, because it changes the source and publishes a second run.
  it('new run replaces cached totals', async () => {
    const url = '/api/v1/kpis/order_intake/totals?groupBy=PLANT_ID';
    const before = (await get(url)).json<TotalsBody>();
    assert.deepEqual((await get(url)).json<TotalsBody>(), before, 'a repeated request returns the same totals');

    const source = new Database(path.join(lake.folder, 'erp.sqlite'));
    source.prepare('DELETE FROM ORDER_ITEMS WHERE ORDER_ID IN (SELECT ORDER_ID FROM ORDERS WHERE PLANT_ID = 1)').run();
    source.close();
    const outcome = await runFullLoad({ config: lake.config });
    assert.equal(outcome.error, undefined);

    const after = (await get(url)).json<TotalsBody>();
    assert.notEqual(after.runId, before.runId);
    assert.ok(before.groups.some((group) => group.key.PLANT_ID === '1'));
    assert.equal(after.groups.some((group) => group.key.PLANT_ID === '1'), false, 'plant 1 has no order lines any more');
  });
});

describe('KpiTotalsCache', () => {
  const totals = (marker: string): KpiTotals => ({ groups: [{ key: { month: marker }, rows: '1', sums: {} }], truncated: false });
  const size = JSON.stringify(totals('a')).length;

  it('evicts least recently used', () => {
    const cache = new KpiTotalsCache(size * 2);
    cache.set('a', totals('a'));
    cache.set('b', totals('b'));
    assert.deepEqual(cache.get('a'), totals('a'), 'reading a makes b the oldest');
    cache.set('c', totals('c'));
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual(cache.get('a'), totals('a'));
    assert.deepEqual(cache.get('c'), totals('c'));
    assert.equal(cache.size, 2);
  });

  it('skips entries above the limit', () => {
    const cache = new KpiTotalsCache(size - 1);
    cache.set('a', totals('a'));
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 0);
  });

  it('replaces an entry with the same key', () => {
    const cache = new KpiTotalsCache(size * 2);
    cache.set('a', totals('a'));
    cache.set('a', totals('x'));
    cache.set('b', totals('b'));
    assert.equal(cache.size, 2, 'the replaced entry no longer counts');
    assert.deepEqual(cache.get('a'), totals('x'));
  });
});
