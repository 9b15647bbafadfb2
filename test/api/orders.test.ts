import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { FastifyInstance } from 'fastify';

import { hashToken } from '../../src/api/auth/tokens-file.js';
import { buildServer } from '../../src/api/server.js';
import { probePostgres, requireService } from '../helpers/services.js';
import { NO_AUTH } from './api-lake.js';
import { createErpLake, createSuperstoreLake, parquet, toScaled, type ErrorBody, type ExampleLake, type RowsBody } from './orders-lakes.js';

const RATE_LIMIT = { max: 100_000, timeWindowMs: 60_000 };

/** Follows nextCursor from the first page to the last and returns every row. */
async function readAllRows(server: FastifyInstance, query: string): Promise<{ rows: RowsBody['rows']; pages: number }> {
  const rows: RowsBody['rows'] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url: string = `/api/v1/orders?${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
    const response = await server.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    const body = response.json<RowsBody>();
    rows.push(...body.rows);
    cursor = body.nextCursor;
    pages += 1;
    assert.ok(pages < 1000, 'pagination ends');
  } while (cursor !== null);
  return { rows, pages };
}

describe('orders endpoint on Superstore', () => {
  let lake: ExampleLake;
  let server: FastifyInstance;
  let silver: string;

  const get = (url: string, headers: Record<string, string> = {}) => server.inject({ method: 'GET', url, headers });

  before(async () => {
    lake = await createSuperstoreLake();
    silver = parquet(lake.snapshotFile('silver', 'SUPERSTORE_ORDERS'));
    server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: RATE_LIMIT });
  });

  after(async () => {
    await server?.close();
    await lake?.remove();
  });

  it('orders returns typed first page', async () => {
    const response = await get('/api/v1/orders?limit=3');
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<RowsBody>();
    assert.equal(body.runId, lake.runId);
    assert.equal(body.rows.length, 3);
    assert.equal(typeof body.nextCursor, 'string');

    const [row] = body.rows;
    assert.deepEqual(Object.keys(row ?? {}), lake.config.api?.orders?.columns.map((column) => column.name));
    assert.match(String(row?.SALES), /^-?\d+\.\d{4}$/, 'DECIMAL(38,4) is a string with every digit');
    assert.equal(typeof row?.SALES, 'string');
    assert.equal(typeof row?.ROW_ID, 'string', 'BIGINT is a string');
    assert.match(String(row?.ORDER_DATE), /^\d{4}-\d{2}-\d{2}$/);

    const [newest] = await lake.query(`SELECT CAST(max(ORDER_DATE) AS VARCHAR) AS d FROM ${silver}`);
    assert.equal(row?.ORDER_DATE, newest?.d, 'the default sort is -ORDER_DATE');
  });

  it('orders names each column in the request language', async () => {
    const german = (await get('/api/v1/orders?limit=1')).json<{ columns: { name: string; label: string }[] }>();
    assert.deepEqual(german.columns.find((column) => column.name === 'SHIP_DATE'), { name: 'SHIP_DATE', label: 'Versanddatum' });
    const english = (await get('/api/v1/orders?limit=1', { 'accept-language': 'en' })).json<{ columns: { name: string; label: string }[] }>();
    assert.deepEqual(english.columns.find((column) => column.name === 'SHIP_DATE'), { name: 'SHIP_DATE', label: 'Ship date' });
    assert.deepEqual(english.columns.map((column) => column.name), lake.config.api?.orders?.columns.map((column) => column.name));
  });

  it('orders pages return every row once', async () => {
    const [expected] = await lake.query(`SELECT CAST(count(*) AS VARCHAR) AS n, CAST(sum(SALES) AS VARCHAR) AS sales FROM ${silver} WHERE REGION = 'West'`);

    // REGION ties on every row, so only the key column orders the pages.
    for (const query of ['region=West&limit=500', 'region=West&sort=SALES&limit=397', 'region=West&sort=-REGION&limit=500', 'region=West&sort=-ORDER_DATE&limit=250']) {
      const { rows, pages } = await readAllRows(server, query);
      assert.equal(String(rows.length), expected?.n, query);
      assert.equal(new Set(rows.map((row) => row.ROW_ID)).size, rows.length, `${query}: no row repeats`);
      assert.ok(pages > 1, `${query}: more than one page`);
      const total = rows.reduce((sum, row) => sum + toScaled(String(row.SALES), 4), 0n);
      assert.equal(total, toScaled(String(expected?.sales), 4), `${query}: SALES over all pages equals the silver sum`);
    }
  });

  it('orders sorts with the key as tie-breaker', async () => {
    const { rows } = await readAllRows(server, 'region=West&sort=-SALES&limit=500');
    for (let index = 1; index < rows.length; index += 1) {
      const previous = rows[index - 1] as RowsBody['rows'][number];
      const current = rows[index] as RowsBody['rows'][number];
      const bySales = toScaled(String(previous.SALES), 4) - toScaled(String(current.SALES), 4);
      assert.ok(bySales > 0n || (bySales === 0n && BigInt(String(previous.ROW_ID)) > BigInt(String(current.ROW_ID))), `row ${index} is after row ${index - 1}`);
    }
  });

  it('orders filters repeat as OR', async () => {
    const { rows } = await readAllRows(server, 'category=Furniture&category=Technology&segment=Corporate&limit=500');
    const [expected] = await lake.query(`SELECT CAST(count(*) AS VARCHAR) AS n FROM ${silver} WHERE CATEGORY IN ('Furniture', 'Technology') AND SEGMENT = 'Corporate'`);
    assert.equal(String(rows.length), expected?.n);
    assert.deepEqual([...new Set(rows.map((row) => row.CATEGORY))].sort(), ['Furniture', 'Technology']);
    assert.ok(rows.every((row) => row.SEGMENT === 'Corporate'));
  });

  it('orders applies the date range inclusively', async () => {
    const { rows } = await readAllRows(server, 'from=2017-03-01&to=2017-03-31&limit=500');
    const [expected] = await lake.query(`SELECT CAST(count(*) AS VARCHAR) AS n FROM ${silver} WHERE ORDER_DATE BETWEEN DATE '2017-03-01' AND DATE '2017-03-31'`);
    assert.equal(String(rows.length), expected?.n);
    assert.ok(rows.some((row) => row.ORDER_DATE === '2017-03-31'), 'the last day is included');
    assert.ok(rows.every((row) => String(row.ORDER_DATE) >= '2017-03-01' && String(row.ORDER_DATE) <= '2017-03-31'));
  });

  it('orders filters by order and customer', async () => {
    const [sample] = await lake.query(`SELECT ORDER_ID, CUSTOMER_ID, CAST(count(*) AS VARCHAR) AS n FROM ${silver} GROUP BY ALL ORDER BY n DESC, ORDER_ID LIMIT 1`);
    const { rows } = await readAllRows(server, `order_id=${sample?.ORDER_ID}&customer=${sample?.CUSTOMER_ID}`);
    assert.equal(String(rows.length), sample?.n);
    assert.ok(rows.every((row) => row.ORDER_ID === sample?.ORDER_ID));
  });

  it('orders rejects invalid parameters by name', async () => {
    const cases: [string, RegExp][] = [
      ['limit=0', /für limit/],
      ['limit=501', /für limit/],
      ['limit=ten', /für limit/],
      ['from=2017-13-01', /für from/],
      ['to=yesterday', /für to/],
      ['from=2017-05-01&to=2017-03-01', /für to: 2017-03-01 liegt vor from/],
      ['sort=PRODUCT_NAME', /für sort: "PRODUCT_NAME" ist nicht sortierbar/],
      ['sort=--SALES', /für sort/],
      ['sort=SALES&sort=PROFIT', /für sort/],
      ['cursor=', /für cursor/],
      ['region=', /./],
      [`region=${'x'.repeat(201)}`, /für region/],
      [Array.from({ length: 51 }, (_, index) => `region=r${index}`).join('&'), /für region/],
      ['REGION=West', /für REGION: unbekannter Parameter/],
      ['dim.REGION=West', /für dim\.REGION: unbekannter Parameter/],
    ];
    for (const [query, message] of cases) {
      const response = await get(`/api/v1/orders?${query}`);
      if (query === 'region=') {
        // An empty value is a valid filter that matches no row.
        assert.equal(response.statusCode, 200, query);
        assert.deepEqual(response.json<RowsBody>().rows, []);
        continue;
      }
      assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'INVALID_PARAMETER', query);
      assert.match(body.error.message, message, query);
    }
  });

  it('orders explains errors in English', async () => {
    const response = await get('/api/v1/orders?colour=red', { 'accept-language': 'en' });
    assert.equal(response.statusCode, 400);
    assert.match(response.json<ErrorBody>().error.message, /^Invalid value for colour: unknown parameter\. Allowed are from, to, sort, limit, cursor, order_id, customer, region, category, segment\.$/);
  });

  it('orders is safe against SQL injection', async () => {
    const attempts = [
      `region=${encodeURIComponent("West' OR '1'='1")}`,
      `region=${encodeURIComponent("West'); DROP TABLE x; --")}`,
      `customer=${encodeURIComponent('1 OR 1=1')}`,
      `sort=${encodeURIComponent('SALES;DROP')}`,
      `sort=${encodeURIComponent('SALES DESC, (SELECT 1)')}`,
      `sort=${encodeURIComponent('"SALES"')}`,
      `${encodeURIComponent('region" = REGION OR "1')}=x`,
      `from=${encodeURIComponent("2017-01-01' OR 1=1 --")}`,
    ];
    for (const query of attempts) {
      const response = await get(`/api/v1/orders?${query}`);
      assert.ok(response.statusCode === 400 || response.statusCode === 200, `${query}: status ${response.statusCode}`);
      if (response.statusCode === 200) {
        assert.deepEqual(response.json<RowsBody>().rows, [], `${query}: no rows`);
      }
    }
    const afterwards = await get('/api/v1/orders?limit=1');
    assert.equal(afterwards.statusCode, 200, 'the table is still readable');
  });

  it('orders rejects a foreign or tampered cursor', async () => {
    const first = (await get('/api/v1/orders?region=West&sort=SALES&limit=2')).json<RowsBody>();
    const cursor = first.nextCursor ?? '';
    const content = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k: unknown[] };
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

    const second = await get(`/api/v1/orders?region=West&sort=SALES&limit=2&cursor=${cursor}`);
    assert.equal(second.statusCode, 200, 'the unchanged cursor works');

    const tampered = [
      'not-a-cursor',
      encode('just a string'),
      encode([1, 2]),
      encode({ ...content, k: ["1.0800'; DROP TABLE x; --", '977'] }),
      encode({ ...content, k: ['1.08', '977'] }),
      encode({ ...content, k: ['1.0800'] }),
      encode({ ...content, k: [{ nested: true }, '977'] }),
      encode({ ...content, s: '-SALES' }),
      encode({ ...content, f: 'x' }),
      encode({ ...content, t: 'ORDERS' }),
      `${cursor}!`,
    ];
    for (const value of tampered) {
      const response = await get(`/api/v1/orders?region=West&sort=SALES&limit=2&cursor=${encodeURIComponent(value)}`);
      assert.equal(response.statusCode, 400, `cursor ${value}: ${response.body}`);
      assert.match(response.json<ErrorBody>().error.message, /cursor/);
    }

    for (const query of ['region=West&sort=-SALES', 'region=East&sort=SALES', 'region=West&category=Furniture&sort=SALES', 'region=West&sort=SALES&from=2015-01-01', 'sort=SALES']) {
      const response = await get(`/api/v1/orders?${query}&limit=2&cursor=${cursor}`);
      assert.equal(response.statusCode, 400, `a cursor is bound to its sort and filters: ${query}`);
    }
  });

  it('orders of a deployment without api.orders is 404', async () => {
    const withoutOrders = await buildServer({ auth: NO_AUTH, config: { ...lake.config, api: { exportMaxRows: 10 } } });
    try {
      const response = await withoutOrders.inject({ method: 'GET', url: '/api/v1/orders' });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json<ErrorBody>().error.code, 'ORDERS_NOT_CONFIGURED');
    } finally {
      await withoutOrders.close();
    }
  });

  it('orders with a missing column is 503', async () => {
    const orders = lake.config.api?.orders;
    assert.ok(orders);
    const config = { ...lake.config, api: { exportMaxRows: 10, orders: { ...orders, columns: [...orders.columns, { name: 'NO_SUCH_COLUMN', label: { de: 'x', en: 'x' } }] } } };
    const broken = await buildServer({ auth: NO_AUTH, config });
    try {
      const response = await broken.inject({ method: 'GET', url: '/api/v1/orders', headers: { 'accept-language': 'en' } });
      assert.equal(response.statusCode, 503);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'ORDERS_UNAVAILABLE');
      assert.match(body.error.message, /Column NO_SUCH_COLUMN is missing from table SUPERSTORE_ORDERS/);
    } finally {
      await broken.close();
    }

    const filterConfig = { ...lake.config, api: { exportMaxRows: 10, orders: { ...orders, filters: [...orders.filters, { name: 'city', column: 'TOWN', via: [] }] } } };
    const brokenFilter = await buildServer({ auth: NO_AUTH, config: filterConfig });
    try {
      const response = await brokenFilter.inject({ method: 'GET', url: '/api/v1/orders?region=West', headers: { 'accept-language': 'en' } });
      assert.equal(response.statusCode, 503, 'a filter column missing from the table is found before any query');
      assert.match(response.json<ErrorBody>().error.message, /Column TOWN is missing/);
    } finally {
      await brokenFilter.close();
    }
  });

  it('orders allows controller and admin only', async () => {
    const tokens = { viewer: 'orders-viewer-token', controller: 'orders-controller-token', data_engineer: 'orders-engineer-token', admin: 'orders-admin-token' } as const;
    const withTokens = await buildServer({
      config: lake.config,
      rateLimit: RATE_LIMIT,
      auth: { tokens: Object.entries(tokens).map(([role, token]) => ({ name: role, role: role as keyof typeof tokens, sha256: hashToken(token) })) },
    });
    try {
      for (const [role, token] of Object.entries(tokens)) {
        const response = await withTokens.inject({ method: 'GET', url: '/api/v1/orders?limit=1', headers: { authorization: `Bearer ${token}` } });
        const allowed = role === 'controller' || role === 'admin';
        assert.equal(response.statusCode, allowed ? 200 : 403, `${role}: ${response.body}`);
        if (!allowed) {
          assert.equal(response.json<ErrorBody>().error.code, 'ROLE_NOT_ALLOWED');
          assert.doesNotMatch(response.body, /ORDER_DATE|SALES/, 'a rejected role gets no row data');
        }
      }
    } finally {
      await withTokens.close();
    }
  });

  it('docs describe orders parameters', async () => {
    const document = (await get('/api/docs')).json<{ paths: Record<string, { get?: { parameters?: { name: string; in: string }[]; responses?: Record<string, unknown> } }> }>();
    const operation = document.paths['/api/v1/orders']?.get;
    assert.ok(operation, '/api/v1/orders is documented');
    const names = (operation.parameters ?? []).map((parameter) => `${parameter.in}:${parameter.name}`);
    for (const name of ['query:from', 'query:to', 'query:sort', 'query:limit', 'query:cursor', 'query:region', 'query:category', 'query:customer', 'query:segment', 'query:order_id']) {
      assert.ok(names.includes(name), `${name} is documented`);
    }
    assert.ok(operation.responses?.['200'], 'the 200 response is documented');
  });
});

const skipPostgres = await requireService('postgres', () => probePostgres());

describe('orders endpoint on the Müller ERP sample', { skip: skipPostgres }, () => {
  let lake: ExampleLake;
  let server: FastifyInstance;
  let orders: string;

  const get = (url: string) => server.inject({ method: 'GET', url });

  before(async () => {
    lake = await createErpLake();
    orders = parquet(lake.snapshotFile('silver', 'ORDERS'));
    server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: RATE_LIMIT });
  });

  after(async () => {
    await server?.close();
    await lake?.remove();
  });

  it('erp orders keep decimals and NULL', async () => {
    const { rows } = await readAllRows(server, 'limit=500');
    const [expected] = await lake.query(`SELECT CAST(count(*) AS VARCHAR) AS n, CAST(sum(NET_AMOUNT) AS VARCHAR) AS total, CAST(count(*) FILTER (WHERE ACTUAL_DELIVERY IS NULL) AS VARCHAR) AS open FROM ${orders}`);
    assert.equal(String(rows.length), expected?.n);
    assert.ok(rows.every((row) => row.NET_AMOUNT === null || /^-?\d+\.\d{2}$/.test(String(row.NET_AMOUNT))), 'NET_AMOUNT has two decimals as text');
    const total = rows.reduce((sum, row) => sum + (row.NET_AMOUNT === null ? 0n : toScaled(String(row.NET_AMOUNT), 2)), 0n);
    assert.equal(total, toScaled(String(expected?.total), 2), 'the sum over all pages is exact');
    assert.equal(String(rows.filter((row) => row.ACTUAL_DELIVERY === null).length), expected?.open, 'a NULL delivery date stays null');
    assert.ok(rows.every((row) => row.CREATED_AT === null || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(String(row.CREATED_AT))), 'timestamps are ISO 8601');
    assert.ok(rows.every((row) => !('CREATED_BY' in row) && !('AMOUNT_TXT' in row)), 'columns not listed under api.orders stay hidden');
  });

  it('erp orders filter by plant, currency, status and customer', async () => {
    const [sample] = await lake.query(`SELECT CAST(PLANT_ID AS VARCHAR) AS plant, CURRENCY, STATUS, CAST(CUSTOMER_ID AS VARCHAR) AS customer FROM ${orders} WHERE CURRENCY IS NOT NULL ORDER BY ORDER_ID LIMIT 1`);
    const checks: [string, string][] = [
      [`plant=${sample?.plant}`, `CAST(PLANT_ID AS VARCHAR) = '${sample?.plant}'`],
      [`plant=1&plant=2&currency=EUR`, `PLANT_ID IN (1, 2) AND CURRENCY = 'EUR'`],
      [`status=${sample?.STATUS}&from=2020-01-01&to=2022-12-31`, `STATUS = '${sample?.STATUS}' AND ORDER_DATE BETWEEN DATE '2020-01-01' AND DATE '2022-12-31'`],
      [`customer=${sample?.customer}`, `CAST(CUSTOMER_ID AS VARCHAR) = '${sample?.customer}'`],
    ];
    for (const [query, where] of checks) {
      const { rows } = await readAllRows(server, `${query}&limit=500`);
      const expected = await lake.query(`SELECT CAST(ORDER_ID AS VARCHAR) AS id FROM ${orders} WHERE ${where} ORDER BY ORDER_DATE DESC NULLS LAST, ORDER_ID DESC`);
      assert.ok(expected.length > 0, `${query}: the lake has matching rows`);
      assert.deepEqual(
        rows.map((row) => String(row.ORDER_ID)),
        expected.map((row) => row.id),
        `${query}: the same orders in the default order -ORDER_DATE`,
      );
    }
  });

  it('erp orders filter by product group through the lines', async () => {
    const items = parquet(lake.snapshotFile('silver', 'ORDER_ITEMS'));
    const articles = parquet(lake.snapshotFile('silver', 'ARTICLES'));
    const [group] = await lake.query(`SELECT PRODUCT_GROUP FROM ${articles} WHERE PRODUCT_GROUP IS NOT NULL GROUP BY ALL ORDER BY count(*) LIMIT 1`);
    const expected = await lake.query(
      `SELECT CAST(ORDER_ID AS VARCHAR) AS id FROM ${orders} WHERE ORDER_ID IN (SELECT i.ORDER_ID FROM ${items} i JOIN ${articles} a ON a.ARTICLE_ID = i.ARTICLE_ID WHERE a.PRODUCT_GROUP = '${String(group?.PRODUCT_GROUP)}') ORDER BY ORDER_ID`,
    );
    assert.ok(expected.length > 0, 'some orders have a line of that group');

    const { rows } = await readAllRows(server, `product_group=${encodeURIComponent(String(group?.PRODUCT_GROUP))}&sort=ORDER_NO&limit=100`);
    assert.deepEqual(
      rows.map((row) => String(row.ORDER_ID)).sort((a, b) => Number(a) - Number(b)),
      expected.map((row) => String(row.id)),
      'each order with a matching line appears once',
    );
  });

  it('erp exports use German headers', async () => {
    const csv = await get('/api/v1/exports/orders?format=csv&plant=1&currency=EUR&sort=-NET_AMOUNT');
    assert.equal(csv.statusCode, 200, csv.body);
    const lines = csv.body.slice(1).split('\r\n').filter((line) => line !== '');
    assert.equal(lines[0], 'Auftrags-ID;Auftragsnummer;Auftragsdatum;Kunde;Werk;Status;Währung;Nettobetrag;Wunschliefertermin;Lieferdatum;Incoterm;Bestellnummer des Kunden;Angelegt am;Geändert am');

    const [expected] = await lake.query(`SELECT CAST(count(*) AS VARCHAR) AS n, replace(CAST(max(NET_AMOUNT) AS VARCHAR), '.', ',') AS top FROM ${orders} WHERE PLANT_ID = 1 AND CURRENCY = 'EUR'`);
    assert.equal(String(lines.length - 1), expected?.n, 'one line per matching order');
    assert.equal(lines[1]?.split(';')[7], expected?.top, 'the largest net amount first, with a decimal comma');

    const kpis = await get('/api/v1/exports/kpis/order_intake?format=csv&dim.PLANT_ID=1');
    assert.equal(kpis.statusCode, 200, kpis.body);
    assert.ok(kpis.body.startsWith('\uFEFFMonat;Werk;Produktgruppe;Kunde;Währung;Auftragseingang;Auftragseingang (EUR);Aufträge\r\n'), kpis.body.slice(0, 120));
  });

  it('erp orders reject an unknown sort column', async () => {
    const response = await get('/api/v1/orders?sort=CREATED_BY');
    assert.equal(response.statusCode, 400);
    assert.match(response.json<ErrorBody>().error.message, /sort: "CREATED_BY" ist nicht sortierbar\. Erlaubt: ORDER_DATE, ORDER_NO/);
  });
});
