import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import ExcelJS from 'exceljs';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';

import { hashToken } from '../../src/api/auth/tokens-file.js';
import { buildServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { AuroraConfig } from '../../src/config/types.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { writeDeployment } from '../helpers/deployment.js';
import { createThrowawayPostgresDatabase, probePostgres, requireService, type ThrowawayDatabase } from '../helpers/services.js';
import { NO_AUTH } from './api-lake.js';
import { createSuperstoreLake, parquet, type ErrorBody, type ExampleLake, type RowsBody } from './orders-lakes.js';

const RATE_LIMIT = { max: 100_000, timeWindowMs: 60_000 };
const BOM = '\uFEFF';

/** Splits CSV text (RFC 4180, CRLF) into records of fields; quoted fields may hold separators and line breaks. */
function parseCsv(text: string, separator: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index] as string;
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') {
        quoted = false;
      } else {
        field += character;
      }
    } else if (character === '"') {
      quoted = true;
    } else if (character === separator) {
      record.push(field);
      field = '';
    } else if (character === '\r' && text[index + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index += 1;
    } else {
      field += character;
    }
  }
  assert.equal(field, '', 'the file ends with CRLF');
  return records;
}

async function readWorkbook(response: LightMyRequestResponse): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
  assert.equal(workbook.worksheets.length, 1);
  return workbook.worksheets[0] as ExcelJS.Worksheet;
}

function tokenServer(config: AuroraConfig, tokens: Record<string, string>): Promise<FastifyInstance> {
  return buildServer({
    config,
    rateLimit: RATE_LIMIT,
    auth: { tokens: Object.entries(tokens).map(([role, token]) => ({ name: role, role: role as 'viewer', sha256: hashToken(token) })) },
  });
}

describe('exports on Superstore', () => {
  let lake: ExampleLake;
  let server: FastifyInstance;

  const get = (url: string, headers: Record<string, string> = {}) => server.inject({ method: 'GET', url, headers });

  before(async () => {
    lake = await createSuperstoreLake();
    server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: RATE_LIMIT });
  });

  after(async () => {
    await server?.close();
    await lake?.remove();
  });

  it('orders CSV is German by default', async () => {
    const response = await get('/api/v1/exports/orders?format=csv&region=West&sort=-SALES');
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'text/csv; charset=utf-8; header=present');
    assert.equal(response.headers['content-disposition'], `attachment; filename="orders-${lake.runId}.csv"`);
    assert.equal(response.headers['content-language'], 'de');
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.ok(response.body.startsWith(BOM), 'UTF-8 BOM');

    const [header, ...records] = parseCsv(response.body.slice(1), ';');
    assert.deepEqual(header?.slice(0, 4), ['Zeile', 'Auftrag', 'Auftragsdatum', 'Versanddatum']);
    const [expected] = await lake.query(
      `SELECT CAST(count(*) AS VARCHAR) AS n, CAST(max(SALES) AS VARCHAR) AS top, strftime(arg_max(ORDER_DATE, SALES), '%d.%m.%Y') AS day FROM ${parquet(lake.snapshotFile('silver', 'SUPERSTORE_ORDERS'))} WHERE REGION = 'West'`,
    );
    assert.equal(String(records.length), expected?.n, 'every West row, without paging');
    const first = records[0] ?? [];
    const column = (name: string): number => (header ?? []).indexOf(name);
    assert.equal(first[column('Umsatz')], String(expected?.top).replace('.', ','), 'decimal comma, every digit');
    assert.equal(first[column('Auftragsdatum')], expected?.day, 'dates as 31.12.2025');
    assert.ok(records.every((record) => record[column('Region')] === 'West'));
  });

  it('orders CSV in English by lang or header', async () => {
    const [sample] = await lake.query(`SELECT ORDER_ID FROM ${parquet(lake.snapshotFile('silver', 'SUPERSTORE_ORDERS'))} ORDER BY ROW_ID LIMIT 1`);
    const orderId = String(sample?.ORDER_ID);
    for (const [query, headers] of [
      ['&lang=en', {}],
      ['', { 'accept-language': 'en-GB,en;q=0.9' }],
    ] as const) {
      const response = await get(`/api/v1/exports/orders?format=csv&order_id=${orderId}${query}`, headers);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['content-language'], 'en');
      const [header, ...records] = parseCsv(response.body.slice(1), ',');
      assert.deepEqual(header?.slice(0, 3), ['Row ID', 'Order ID', 'Order date']);
      assert.ok(records.length > 0);
      assert.match(records[0]?.[2] ?? '', /^\d{4}-\d{2}-\d{2}$/, 'ISO dates in English');
      assert.match(records[0]?.[(header ?? []).indexOf('Sales')] ?? '', /^\d+\.\d{4}$/, 'decimal point in English');
    }
    const german = await get(`/api/v1/exports/orders?format=csv&order_id=${orderId}&lang=de`, { 'accept-language': 'en' });
    assert.equal(german.headers['content-language'], 'de', 'lang wins over Accept-Language');
  });

  it('kpi CSV applies the KPI filters', async () => {
    const response = await get('/api/v1/exports/kpis/sales_by_region_month?format=csv&dim.REGION=East&from=2017-01-01&to=2017-03-31&sort=SALES&order=desc');
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-disposition'], `attachment; filename="sales_by_region_month-${lake.runId}.csv"`);
    const [header, ...records] = parseCsv(response.body.slice(1), ';');
    assert.deepEqual(header, ['Monat', 'Region', 'Kategorie', 'Umsatz (USD)', 'Gewinn (USD)', 'Marge', 'Aufträge']);

    const json = await get('/api/v1/kpis/sales_by_region_month?dim.REGION=East&from=2017-01-01&to=2017-03-31&sort=SALES&order=desc&limit=1000');
    const rows = json.json<RowsBody>().rows;
    assert.equal(records.length, rows.length, 'the same rows as the JSON endpoint');
    records.forEach((record, index) => {
      const row = rows[index] ?? {};
      assert.equal(record[3], String(row.SALES).replace('.', ','), `row ${index}: SALES`);
      assert.equal(record[0], String(row.MONTH).split('-').reverse().join('.'), `row ${index}: MONTH`);
    });
  });

  it('kpi XLSX has typed cells', async () => {
    const response = await get('/api/v1/exports/kpis/sales_by_region_month?format=xlsx&lang=en&dim.REGION=West&from=2017-12-01&to=2017-12-31');
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(response.headers['content-disposition'], `attachment; filename="sales_by_region_month-${lake.runId}.xlsx"`);
    const sheet = await readWorkbook(response);
    assert.equal(sheet.name, 'sales_by_region_month');
    assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), ['Month', 'Region', 'Category', 'Sales (USD)', 'Profit (USD)', 'Margin', 'Orders']);

    const rows = (await get('/api/v1/kpis/sales_by_region_month?dim.REGION=West&from=2017-12-01&to=2017-12-31')).json<RowsBody>().rows;
    assert.equal(sheet.rowCount, rows.length + 1);
    rows.forEach((row, index) => {
      const cells = sheet.getRow(index + 2);
      const month = cells.getCell(1);
      assert.ok(month.value instanceof Date, 'MONTH is a date cell');
      assert.equal((month.value as Date).toISOString().slice(0, 10), row.MONTH);
      assert.equal(month.numFmt, 'yyyy-mm-dd');
      const sales = cells.getCell(4);
      assert.equal(typeof sales.value, 'number', 'SALES is a number cell');
      assert.equal(String(sales.value), String(Number(row.SALES)), 'the number is the decimal exactly');
      assert.equal(sales.numFmt, '#,##0.0000');
      assert.equal(cells.getCell(7).numFmt, '0', 'BIGINT counts have an integer format');
    });
  });

  it('orders XLSX is German by default', async () => {
    const response = await get('/api/v1/exports/orders?format=xlsx&region=West&from=2017-12-01');
    assert.equal(response.statusCode, 200, response.body);
    const sheet = await readWorkbook(response);
    assert.equal(sheet.name, 'Aufträge');
    assert.equal(sheet.getRow(1).getCell(1).value, 'Zeile');
    assert.equal(sheet.getRow(1).font?.bold, true);
    assert.ok(sheet.rowCount > 2, 'the sheet has rows');
    assert.ok(sheet.getRow(2).getCell(3).value instanceof Date, 'the order date is a date cell');
    assert.equal(sheet.getRow(2).getCell(3).numFmt, 'dd.mm.yyyy');
  });

  it('exports of an empty result have a header only', async () => {
    const csv = await get('/api/v1/exports/orders?format=csv&region=Atlantis');
    assert.equal(csv.statusCode, 200, csv.body);
    assert.equal(parseCsv(csv.body.slice(1), ';').length, 1);

    const xlsx = await get('/api/v1/exports/kpis/sales_by_region_month?format=xlsx&dim.REGION=Atlantis');
    assert.equal(xlsx.statusCode, 200, xlsx.body);
    const sheet = await readWorkbook(xlsx);
    assert.equal(sheet.rowCount, 1);
    assert.equal(sheet.getRow(1).getCell(1).value, 'Monat');
  });

  it('exports reject invalid parameters by name', async () => {
    const cases: [string, RegExp][] = [
      ['/api/v1/exports/orders', /für format/],
      ['/api/v1/exports/orders?format=pdf', /für format: erlaubt sind csv und xlsx/],
      ['/api/v1/exports/orders?format=csv&lang=fr', /für lang/],
      ['/api/v1/exports/orders?format=csv&limit=10', /für limit: unbekannter Parameter/],
      ['/api/v1/exports/orders?format=csv&cursor=abc', /für cursor: unbekannter Parameter/],
      ['/api/v1/exports/orders?format=csv&sort=PRODUCT_NAME', /für sort/],
      [`/api/v1/exports/orders?format=csv&sort=${encodeURIComponent('SALES; DROP TABLE x')}`, /für sort/],
      ['/api/v1/exports/kpis/sales_by_region_month?format=csv&dim.COUNTRY=US', /dim\.COUNTRY/],
      ['/api/v1/exports/kpis/sales_by_region_month?format=csv&limit=5', /für limit: unbekannter Parameter/],
      ['/api/v1/exports/kpis/..%2F..%2Fetc?format=csv', /für model/],
    ];
    for (const [url, message] of cases) {
      const response = await get(url);
      assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
      assert.equal(response.json<ErrorBody>().error.code, 'INVALID_PARAMETER', url);
      assert.match(response.json<ErrorBody>().error.message, message, url);
    }
    const unknownModel = await get('/api/v1/exports/kpis/no_such_model?format=csv');
    assert.equal(unknownModel.statusCode, 404);

    const english = await get('/api/v1/exports/orders?format=pdf&lang=en');
    assert.equal(english.statusCode, 400);
    assert.match(english.json<ErrorBody>().error.message, /^Invalid value for format: allowed are csv and xlsx\.$/, 'lang also sets the language of errors');
  });

  it('exports are safe against SQL injection', async () => {
    for (const query of [`region=${encodeURIComponent("West' OR '1'='1")}`, `customer=${encodeURIComponent("x'); DROP TABLE y; --")}`]) {
      const response = await get(`/api/v1/exports/orders?format=csv&${query}`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(parseCsv(response.body.slice(1), ';').length, 1, `${query}: header only`);
    }
  });

  it('exports above the cap are rejected', async () => {
    const capped = await buildServer({ auth: NO_AUTH, config: { ...lake.config, api: { ...lake.config.api, exportMaxRows: 100 } }, rateLimit: RATE_LIMIT });
    try {
      const response = await capped.inject({ method: 'GET', url: '/api/v1/exports/orders?format=xlsx', headers: { 'accept-language': 'en' } });
      assert.equal(response.statusCode, 400);
      const body = response.json<ErrorBody>();
      assert.equal(body.error.code, 'EXPORT_TOO_LARGE');
      assert.match(body.error.message, /^The export would have \d+ rows, at most 100 are allowed\. Narrow it with filters/);
      assert.equal(response.headers['content-disposition'], undefined, 'no file starts');

      const narrowed = await capped.inject({ method: 'GET', url: '/api/v1/exports/orders?format=csv&from=2017-12-30' });
      assert.equal(narrowed.statusCode, 200, 'a filtered export below the cap works');
    } finally {
      await capped.close();
    }
  });

  it('exports count generations in metrics', async () => {
    const counted = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: RATE_LIMIT });
    try {
      for (const url of ['/api/v1/exports/orders?format=csv&region=East', '/api/v1/exports/orders?format=csv&region=West', '/api/v1/exports/kpis/sales_by_region_month?format=xlsx', '/api/v1/exports/orders?format=pdf']) {
        await counted.inject({ method: 'GET', url });
      }
      const metrics = (await counted.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /^aurora_report_generations_total\{format="csv",kind="orders"\} 2$/m);
      assert.match(metrics, /^aurora_report_generations_total\{format="xlsx",kind="kpis"\} 1$/m);
      assert.doesNotMatch(metrics, /format="pdf"/, 'a rejected request is not counted');
    } finally {
      await counted.close();
    }
  });

  it('exports allow controller and admin only', async () => {
    const tokens = { viewer: 'e-viewer-token', controller: 'e-controller-token', data_engineer: 'e-engineer-token', admin: 'e-admin-token' };
    const withTokens = await tokenServer(lake.config, tokens);
    try {
      for (const [role, token] of Object.entries(tokens)) {
        const allowed = role === 'controller' || role === 'admin';
        for (const url of ['/api/v1/exports/orders?format=csv&region=West', '/api/v1/exports/kpis/sales_by_region_month?format=csv']) {
          const response = await withTokens.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
          assert.equal(response.statusCode, allowed ? 200 : 403, `${role} ${url}`);
          if (!allowed) {
            assert.equal(response.headers['content-disposition'], undefined);
            assert.equal(response.json<ErrorBody>().error.code, 'ROLE_NOT_ALLOWED');
          }
        }
      }
    } finally {
      await withTokens.close();
    }
  });

  it('docs describe the export routes', async () => {
    const document = (await get('/api/docs')).json<{ paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }> }>();
    const orders = (document.paths['/api/v1/exports/orders']?.get?.parameters ?? []).map((parameter) => `${parameter.in}:${parameter.name}`);
    for (const name of ['query:format', 'query:lang', 'query:region', 'query:sort', 'query:from']) {
      assert.ok(orders.includes(name), `${name} of the order export is documented`);
    }
    assert.ok(!orders.includes('query:limit'), 'exports have no paging');
    const kpis = (document.paths['/api/v1/exports/kpis/{model}']?.get?.parameters ?? []).map((parameter) => `${parameter.in}:${parameter.name}`);
    for (const name of ['path:model', 'query:format', 'query:lang', 'query:order']) {
      assert.ok(kpis.includes(name), `${name} of the KPI export is documented`);
    }
  });
});

const skipPostgres = await requireService('postgres', () => probePostgres());

/**
 * Values that a double cannot hold, text that spreadsheets would run as a formula, and NULL next
 * to the empty string, loaded from PostgreSQL through the real pipeline.
 */
const EDGE_ROWS = `
CREATE TABLE "ORDERS" ("ORDER_ID" bigint PRIMARY KEY, "AMOUNT" numeric(38, 10), "BIG" bigint, "NOTE" text, "ORDER_DATE" date, "CREATED_AT" timestamp, "PAID" boolean);
INSERT INTO "ORDERS" VALUES
  (1, 12345678901234567.8901234567, 9007199254740993, '=HYPERLINK("http://attacker.example","x")', DATE '2025-12-31', TIMESTAMP '2025-12-31 08:15:30', true),
  (2, 0.1, 42, '+49 711 123', DATE '2025-01-01', TIMESTAMP '2025-01-01 00:00:00', false),
  (3, -1234.56, -9223372036854775808, '-2+3', DATE '2024-02-29', NULL, NULL),
  (4, NULL, NULL, NULL, NULL, NULL, NULL),
  (5, 0.0000000001, 1, '', DATE '2025-06-15', TIMESTAMP '2025-06-15 12:00:00', true),
  (6, 123456789012345678901234567.8, 7, '@SUM(A1:A2)', DATE '2025-06-16', NULL, false),
  (7, 2.5, 8, E'\\tTab', DATE '2025-06-17', NULL, true),
  (8, 3.5, 9, E'\\rReturn', DATE '2025-06-18', NULL, true),
  (9, 4.5, 10, E'semi;colon "quoted"\\nnext line', DATE '2025-06-19', NULL, true);
`;

const EDGE_API = `api:
  export_max_rows: 9
  orders:
    table: ORDERS
    date_column: ORDER_DATE
    columns:
      - { name: ORDER_ID, de: Auftrag, en: Order }
      - { name: AMOUNT, de: Betrag, en: Amount }
      - { name: BIG, de: Groß, en: Big }
      - { name: NOTE, de: Notiz, en: Note }
      - { name: ORDER_DATE, de: Datum, en: Date }
      - { name: CREATED_AT, de: Angelegt, en: Created }
      - { name: PAID, de: Bezahlt, en: Paid }
    sort: [AMOUNT, ORDER_DATE]
    filters:
      order_id: { column: ORDER_ID }
`;

describe('exports keep exact values', { skip: skipPostgres }, () => {
  let database: ThrowawayDatabase;
  let folder: string;
  let server: FastifyInstance;

  const get = (url: string) => server.inject({ method: 'GET', url });

  before(async () => {
    database = await createThrowawayPostgresDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(EDGE_ROWS);
    } finally {
      await client.end();
    }

    folder = mkdtempSync(path.join(tmpdir(), 'aurora-exports-'));
    const files = writeDeployment(folder, { source: `type: postgres\nurl: ${database.url}`, tables: '  - name: ORDERS\n    primary_key: ORDER_ID', extra: EDGE_API });
    const config = loadConfig(files.config, {});
    const outcome = await runFullLoad({ config });
    assert.equal(outcome.error, undefined, outcome.run.error?.message.en);
    server = await buildServer({ auth: NO_AUTH, config, rateLimit: RATE_LIMIT });
  });

  after(async () => {
    await server?.close();
    await database?.drop();
    if (folder) {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('json keeps decimals, 64-bit integers and NULL', async () => {
    const rows = (await get('/api/v1/orders?sort=ORDER_ID')).json<RowsBody>().rows;
    assert.equal(rows[0]?.AMOUNT, '12345678901234567.8901234567');
    assert.equal(rows[0]?.BIG, '9007199254740993');
    assert.equal(rows[2]?.BIG, '-9223372036854775808');
    assert.equal(rows[3]?.NOTE, null);
    assert.equal(rows[4]?.NOTE, '');
    assert.equal(rows[0]?.CREATED_AT, '2025-12-31T08:15:30');
  });

  it('csv round trip is exact', async () => {
    const response = await get('/api/v1/exports/orders?format=csv&sort=ORDER_ID');
    assert.equal(response.statusCode, 200, response.body);
    const [header, ...records] = parseCsv(response.body.slice(1), ';');
    assert.deepEqual(header, ['Auftrag', 'Betrag', 'Groß', 'Notiz', 'Datum', 'Angelegt', 'Bezahlt']);
    assert.equal(records.length, 9);
    const byId = new Map(records.map((record) => [record[0], record]));

    assert.deepEqual(byId.get('1'), ['1', '12345678901234567,8901234567', '9007199254740993', `'=HYPERLINK("http://attacker.example","x")`, '31.12.2025', '31.12.2025 08:15:30', 'wahr']);
    assert.deepEqual(byId.get('2')?.slice(1, 4), ['0,1000000000', '42', "'+49 711 123"]);
    assert.deepEqual(byId.get('3')?.slice(1, 7), ['-1234,5600000000', '-9223372036854775808', "'-2+3", '29.02.2024', '', '']);
    assert.deepEqual(byId.get('5')?.slice(1, 4), ['0,0000000001', '1', '']);
    assert.equal(byId.get('6')?.[3], "'@SUM(A1:A2)");
    assert.equal(byId.get('6')?.[1], '123456789012345678901234567,8000000000');
    assert.equal(byId.get('7')?.[3], "'\tTab");
    assert.equal(byId.get('8')?.[3], "'\rReturn");
    assert.equal(byId.get('9')?.[3], 'semi;colon "quoted"\nnext line');

    // NULL is an empty field and the empty string a quoted one, so they stay distinct in the file.
    const lines = response.body.split('\r\n');
    assert.ok(lines.some((line) => line === '4;;;;;;'), 'the NULL row has empty fields');
    assert.ok(lines.some((line) => line.startsWith('5;0,0000000001;1;"";')), 'the empty string is quoted');
  });

  it('csv in English uses comma and point', async () => {
    const response = await get('/api/v1/exports/orders?format=csv&sort=ORDER_ID&lang=en&order_id=1&order_id=3');
    const [header, ...records] = parseCsv(response.body.slice(1), ',');
    assert.deepEqual(header, ['Order', 'Amount', 'Big', 'Note', 'Date', 'Created', 'Paid']);
    assert.deepEqual(records[0], ['1', '12345678901234567.8901234567', '9007199254740993', `'=HYPERLINK("http://attacker.example","x")`, '2025-12-31', '2025-12-31 08:15:30', 'true']);
    assert.deepEqual(records[1]?.slice(0, 3), ['3', '-1234.5600000000', '-9223372036854775808']);
  });

  it('xlsx round trip is exact', async () => {
    const response = await get('/api/v1/exports/orders?format=xlsx&sort=ORDER_ID');
    assert.equal(response.statusCode, 200, response.body);
    const sheet = await readWorkbook(response);
    assert.equal(sheet.rowCount, 10);
    const cell = (id: number, column: number) => sheet.getRow(id + 1).getCell(column);

    assert.equal(cell(1, 2).value, '12345678901234567.8901234567', 'a decimal a double cannot hold is text');
    assert.equal(cell(1, 3).value, '9007199254740993', 'a 64-bit integer beyond 2^53 is text');
    assert.equal(cell(3, 3).value, '-9223372036854775808');
    assert.equal(cell(6, 2).value, '123456789012345678901234567.8000000000');

    assert.equal(cell(2, 2).value, 0.1, '0.1 round-trips through a double, so it is a number');
    assert.equal(cell(2, 2).numFmt, '#,##0.0000000000');
    assert.equal(cell(3, 2).value, -1234.56);
    assert.equal(cell(5, 2).value, 1e-10);
    assert.equal(cell(2, 3).value, 42);
    assert.equal(cell(2, 3).numFmt, '0');

    assert.equal(cell(1, 4).value, '=HYPERLINK("http://attacker.example","x")', 'text stays text, not a formula');
    assert.equal(cell(1, 4).type, ExcelJS.ValueType.String);
    assert.equal(cell(4, 4).value, null, 'NULL is an empty cell');
    // The writer stores the empty string as an empty text cell, which exceljs reads back as null
    // like Excel shows it, so only the CSV keeps NULL and '' apart.
    assert.ok(cell(5, 4).value === '' || cell(5, 4).value === null);

    const date = cell(1, 5).value;
    assert.ok(date instanceof Date);
    assert.equal(date.toISOString(), '2025-12-31T00:00:00.000Z');
    assert.equal(cell(1, 5).numFmt, 'dd.mm.yyyy');
    const timestamp = cell(1, 6).value;
    assert.ok(timestamp instanceof Date);
    assert.equal(timestamp.toISOString(), '2025-12-31T08:15:30.000Z');
    assert.equal(cell(1, 6).numFmt, 'dd.mm.yyyy hh:mm:ss');
    assert.equal(cell(1, 7).value, true);
    assert.equal(cell(2, 7).value, false);
  });

  it('exports at the cap pass and above fail', async () => {
    const atCap = await get('/api/v1/exports/orders?format=csv');
    assert.equal(atCap.statusCode, 200, '9 rows with export_max_rows 9');
    assert.equal(parseCsv(atCap.body.slice(1), ';').length, 10);
  });
});
