import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, test } from 'node:test';

import Database from 'better-sqlite3';

import type { FastifyInstance } from 'fastify';

import { hashToken } from '../../src/api/auth/tokens-file.js';
import { buildServer } from '../../src/api/server.js';
import { loadConfig } from '../../src/config/load-config.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { writeDeployment } from '../helpers/deployment.js';
import { tempFolder } from '../helpers/temp-folder.js';
import { createApiLake, NO_AUTH, type ApiLake } from './api-lake.js';
import { createSuperstoreLake, parquet, type ErrorBody, type ExampleLake } from './orders-lakes.js';

const RATE_LIMIT = { max: 100_000, timeWindowMs: 60_000 };

interface QuarantineBody {
  runId: string;
  rows: {
    table: string;
    key: Record<string, string | null>;
    failures: { ruleId: string; type: string; severity: string; column: string | null; value: string | null; message: string }[];
    values: Record<string, string | number | boolean | null>;
  }[];
  nextCursor: string | null;
}

describe('quarantine endpoint on Superstore', () => {
  let lake: ExampleLake;
  let server: FastifyInstance;
  let quarantine: string;

  const get = (url: string, headers: Record<string, string> = {}) => server.inject({ method: 'GET', url, headers });
  const base = () => `/api/v1/quality/${lake.runId}/quarantine`;

  async function readAll(query: string): Promise<{ rows: QuarantineBody['rows']; pages: number }> {
    const rows: QuarantineBody['rows'] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `${base()}?${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
      const response = await get(url);
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      const body = response.json<QuarantineBody>();
      rows.push(...body.rows);
      cursor = body.nextCursor;
      pages += 1;
      assert.ok(pages < 500, 'pagination ends');
    } while (cursor !== null);
    return { rows, pages };
  }

  before(async () => {
    lake = await createSuperstoreLake();
    quarantine = parquet(lake.snapshotFile('quarantine', 'SUPERSTORE_ORDERS'));
    server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: RATE_LIMIT });
  });

  after(async () => {
    await server?.close();
    await lake?.remove();
  });

  it('quarantine returns rows with reasons', async () => {
    const response = await get(`${base()}?limit=5`);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<QuarantineBody>();
    assert.equal(body.runId, lake.runId);
    assert.equal(body.rows.length, 5);
    const [row] = body.rows;
    assert.equal(row?.table, 'SUPERSTORE_ORDERS');
    assert.deepEqual(Object.keys(row?.key ?? {}), ['ROW_ID']);
    assert.ok((row?.failures.length ?? 0) > 0, 'each row names at least one failed rule');
    assert.ok(
      row?.failures.some((failure) => failure.severity === 'error'),
      'each row failed an error rule',
    );
    assert.equal(typeof row?.values.SALES, 'string', 'decimals stay strings');
    assert.equal(row?.values.ROW_ID, row?.key.ROW_ID);
    assert.ok(!Object.keys(row?.values ?? {}).some((name) => name.startsWith('_aurora_')), 'internal columns are not values');
    assert.match(row?.failures[0]?.message ?? '', /[äöüßÄÖÜ]|Die|Der|Das/, 'messages are German by default');
  });

  it('quarantine pages return every row once', async () => {
    const [expected] = await lake.query(`SELECT CAST(count(*) AS VARCHAR) AS n FROM ${quarantine}`);
    const { rows, pages } = await readAll('limit=37');
    assert.equal(String(rows.length), expected?.n);
    assert.ok(pages > 1);
    assert.equal(new Set(rows.map((row) => row.key.ROW_ID)).size, rows.length, 'no row repeats');
  });

  it('quarantine filters by rule', async () => {
    const [rule] = await lake.query(`SELECT f.rule_id AS id, CAST(count(*) AS VARCHAR) AS n FROM (SELECT unnest(_aurora_failures) AS f FROM ${quarantine}) GROUP BY ALL ORDER BY count(*) DESC LIMIT 1`);
    const { rows } = await readAll(`rule=${String(rule?.id)}&table=SUPERSTORE_ORDERS&limit=50`);
    assert.equal(String(rows.length), rule?.n);
    assert.ok(rows.every((row) => row.failures.some((failure) => failure.ruleId === rule?.id)));
  });

  it('quarantine of a rule without failures is empty', async () => {
    // row_id_unique is a rule of the run, and the Superstore rows have unique ids.
    const response = await get(`${base()}?rule=row_id_unique`);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json<QuarantineBody>().rows, []);
  });

  it('quarantine explains in English', async () => {
    const response = await get(`${base()}?limit=1`, { 'accept-language': 'en' });
    const message = response.json<QuarantineBody>().rows[0]?.failures[0]?.message ?? '';
    assert.match(message, /^[A-Z][a-z]/);
    assert.doesNotMatch(message, /\b(der|die|das)\b/i);
  });

  it('quarantine rejects unknown table and rule', async () => {
    const cases: [string, number, RegExp][] = [
      ['table=ORDERS', 400, /für table: Der Snapshot von Lauf .* hat keine Tabelle "ORDERS"\. Vorhanden: SUPERSTORE_ORDERS/],
      ['rule=no_such_rule', 400, /für rule: "no_such_rule" ist keine Regel dieses Laufs/],
      ['table=..%2F..%2Fetc%2Fpasswd', 400, /für table/],
      ['table=..', 400, /für table/],
      ['table=SUPERSTORE_ORDERS%00', 400, /für table/],
      [`rule=${encodeURIComponent("x' OR '1'='1")}`, 400, /für rule/],
      ['rule=a&rule=b', 400, /für rule/],
      ['limit=0', 400, /für limit/],
      ['limit=501', 400, /für limit/],
      ['cursor=abc%24', 400, /für cursor/],
      ['columns=ALL', 400, /für columns: unbekannter Parameter/],
    ];
    for (const [query, status, message] of cases) {
      const response = await get(`${base()}?${query}`);
      assert.equal(response.statusCode, status, `${query}: ${response.body}`);
      assert.equal(response.json<ErrorBody>().error.code, 'INVALID_PARAMETER', query);
      assert.match(response.json<ErrorBody>().error.message, message, query);
    }
  });

  it('quarantine rejects traversal in run id', async () => {
    for (const runId of ['..%2F..%2Fetc', '..', 'latest', `${lake.runId}%2F..`, '20261204T201559Z-3fa9c2%00']) {
      const response = await get(`/api/v1/quality/${runId}/quarantine`);
      assert.equal(response.statusCode === 400 || response.statusCode === 404, true, `${runId}: ${response.statusCode}`);
      assert.notEqual(response.json<ErrorBody>().error.code, 'INTERNAL', runId);
      if (response.statusCode === 400) {
        assert.match(response.json<ErrorBody>().error.message, /runId/);
      }
    }
    const unknown = await get('/api/v1/quality/20200101T000000Z-abcdef/quarantine');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json<ErrorBody>().error.code, 'RUN_NOT_FOUND');
  });

  it('quarantine rejects a foreign or tampered cursor', async () => {
    const first = (await get(`${base()}?limit=2`)).json<QuarantineBody>();
    const cursor = first.nextCursor ?? '';
    const content = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p: unknown[] };
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

    const tampered = [
      encode({ ...content, p: [0, -1] }),
      encode({ ...content, p: [1, 0] }),
      encode({ ...content, p: [0, '1; DROP TABLE x'] }),
      encode({ ...content, p: [0, 1.5] }),
      encode({ ...content, r: '20200101T000000Z-abcdef' }),
      encode({ ...content, u: 'row_id_unique' }),
      encode(null),
      'bm90IGpzb24',
    ];
    for (const value of tampered) {
      const response = await get(`${base()}?limit=2&cursor=${value}`);
      assert.equal(response.statusCode, 400, `cursor ${value}: ${response.body}`);
      assert.match(response.json<ErrorBody>().error.message, /cursor/);
    }
    for (const query of ['table=SUPERSTORE_ORDERS', 'rule=sales_positive']) {
      const response = await get(`${base()}?${query}&limit=2&cursor=${cursor}`);
      assert.equal(response.statusCode, 400, `a cursor is bound to table and rule: ${query}`);
    }
  });

  it('quarantine rows reach only data roles', async () => {
    const tokens = { viewer: 'q-viewer-token', controller: 'q-controller-token', data_engineer: 'q-engineer-token', admin: 'q-admin-token' } as const;
    const withTokens = await buildServer({
      config: lake.config,
      rateLimit: RATE_LIMIT,
      auth: { tokens: Object.entries(tokens).map(([role, token]) => ({ name: role, role: role as keyof typeof tokens, sha256: hashToken(token) })) },
    });
    try {
      const [sample] = await lake.query(`SELECT CAST(ROW_ID AS VARCHAR) AS id, CUSTOMER_NAME AS name FROM ${quarantine} LIMIT 1`);
      for (const [role, token] of Object.entries(tokens)) {
        const allowed = role === 'data_engineer' || role === 'admin';
        // The quality report and the run record contain sample keys and failing values, so they have the same roles.
        for (const url of [`${base()}?limit=500`, `/api/v1/quality/${lake.runId}`, `/api/v1/runs/${lake.runId}`]) {
          const response = await withTokens.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
          assert.equal(response.statusCode, allowed ? 200 : 403, `${role} ${url}: ${response.statusCode}`);
          if (allowed) {
            continue;
          }
          assert.equal(response.json<ErrorBody>().error.code, 'ROLE_NOT_ALLOWED');
          assert.ok(!response.body.includes(String(sample?.name)), `${role} gets no quarantined values`);
          assert.doesNotMatch(response.body, /failures|samples|values/, `${role} gets no row data`);
        }
      }
      const anonymous = await withTokens.inject({ method: 'GET', url: base() });
      assert.equal(anonymous.statusCode, 401);
    } finally {
      await withTokens.close();
    }
  });

  it('docs describe the quarantine route', async () => {
    const document = (await get('/api/docs')).json<{ paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }> }>();
    const names = (document.paths['/api/v1/quality/{runId}/quarantine']?.get?.parameters ?? []).map((parameter) => `${parameter.in}:${parameter.name}`);
    for (const name of ['path:runId', 'query:table', 'query:rule', 'query:limit', 'query:cursor']) {
      assert.ok(names.includes(name), `${name} is documented`);
    }
  });
});

describe('quarantine endpoint on a small lake', () => {
  let lake: ApiLake;
  let server: FastifyInstance;
  let firstRunId: string;
  let secondRunId: string;

  before(async () => {
    lake = createApiLake();
    firstRunId = (await lake.runFullLoad()).run.runId;
    secondRunId = (await lake.runFullLoad()).run.runId;
    server = await buildServer({ auth: NO_AUTH, config: lake.config, rateLimit: RATE_LIMIT });
  });

  after(async () => {
    await server?.close();
    lake?.remove();
  });

  it('quarantine keeps a NULL key null', async () => {
    const response = await server.inject({ method: 'GET', url: `/api/v1/quality/${secondRunId}/quarantine?table=ORDERS` });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<QuarantineBody>();
    assert.equal(body.rows.length, 1);
    assert.deepEqual(body.rows[0]?.key, { ID: null });
    assert.equal(body.rows[0]?.values.ID, null);
    assert.equal(body.rows[0]?.values.AMOUNT, 40);
    assert.equal(body.nextCursor, null);
  });

  it('quarantine of a removed snapshot is 404', async () => {
    rmSync(path.join(lake.config.lake, 'snapshots', firstRunId), { recursive: true, force: true });
    const response = await server.inject({ method: 'GET', url: `/api/v1/quality/${firstRunId}/quarantine`, headers: { 'accept-language': 'en' } });
    assert.equal(response.statusCode, 404);
    const body = response.json<ErrorBody>();
    assert.equal(body.error.code, 'QUARANTINE_NOT_FOUND');
    assert.match(body.error.message, /has no snapshot with a quarantine/);
  });
});

test('quarantine pages span part files', async (t) => {
  // 6,000 orders in key ranges of 1,000: every 140th has a negative amount, and one has no id,
  // so the quarantine is split into several part files and a file of NULL keys.
  const folder = tempFolder(t);
  const db = new Database(path.join(folder, 'legacy.sqlite'));
  db.exec('CREATE TABLE ORDERS (ID INTEGER, AMOUNT DECIMAL(10,2))');
  db.exec(`INSERT INTO ORDERS VALUES ${Array.from({ length: 6000 }, (_, index) => `(${index + 1}, '${(index + 1) % 140 === 0 ? '-' : ''}${index + 1}.00')`).join(', ')}, (NULL, '1.00')`);
  db.close();
  const files = writeDeployment(folder, {
    source: 'type: sqlite\npath: legacy.sqlite',
    tables: '  - name: ORDERS\n    primary_key: ID\n    silver_part_rows: 1000',
    rules: { 'orders.yaml': 'table: ORDERS\nrules:\n  - id: amount_positive\n    type: range\n    column: AMOUNT\n    min: 0\n    message: { de: Betrag negativ., en: Negative amount. }\n' },
  });
  const config = loadConfig(files.config);
  const { run } = await runFullLoad({ config });
  assert.equal(run.status, 'succeeded');
  const quarantineFolder = path.join(files.lake, 'snapshots', run.runId, 'quarantine', 'ORDERS');
  const partFiles = readdirSync(quarantineFolder);
  assert.ok(partFiles.length >= 6, `several part files: ${partFiles.join(', ')}`);
  assert.ok(partFiles.some((name) => name.startsWith('nullkey-')), 'the row without a key has its own file');

  const server = await buildServer({ auth: NO_AUTH, config, rateLimit: RATE_LIMIT });
  t.after(() => server.close());
  const keys: (string | null)[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/v1/quality/${run.runId}/quarantine?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`;
    const response = await server.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<QuarantineBody>();
    keys.push(...body.rows.map((row) => row.key.ID ?? null));
    cursor = body.nextCursor;
  } while (cursor !== null);

  const expected = [...Array.from({ length: 42 }, (_, index) => String((index + 1) * 140)), null];
  assert.deepEqual([...keys].sort(), [...expected].sort(), 'every quarantined row once, across all files');
});
