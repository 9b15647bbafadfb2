/**
 * The API load benchmark: `aurora serve` over the Müller ERP sample lake, loaded by autocannon
 * with 100 connections for 30 s on each of several /api/v1/kpis URLs.
 *
 *   npm run bench:api                                   scale 1.0, rate limit in memory
 *   npm run bench:api -- --redis                        the rate limit in Redis, as with several pods
 *   npm run bench:api -- --scale 0.05 --duration 5      a quick run
 *   npm run bench:api -- --label "after query cache"    a label stored with the results
 *   npm run bench:api -- --built                        serve the compiled dist/ (run npm run build first)
 *   npm run bench:api -- --render                       only rewrite docs/benchmarks.md from the stored results
 *
 * The ERP sample database and the lake are built once and reused while they are current.
 * Results go to bench/results/api-load-<timestamp>.json and a section of docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { hashToken } from '../src/api/auth/tokens-file.js';
import { loadConfig } from '../src/config/load-config.js';
import { readCurrentPointer } from '../src/lake/snapshots.js';
import { LakeLayout } from '../src/lake/lake-layout.js';
import { runFullLoad } from '../src/pipeline/full-load.js';
import { renderApiLoadSection, type ApiLoadResult, type EndpointLoadResult } from './api-load-page.js';
import { withSection } from './page-sections.js';
import { ensureErpDatabase, WORK } from './erp-database.js';

const EXAMPLE = path.resolve('examples/mueller-erp');
const RESULTS = path.resolve('bench/results');
const RESULT_PREFIX = 'api-load-';
const AUTOCANNON = path.resolve('node_modules/autocannon/autocannon.js');
const REDIS_URL = process.env.AURORA_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** High enough that the load never hits it, so the limit's cost is measured but never its 429. */
const UNREACHED_RATE_LIMIT = '1000000000';

interface Options {
  scale: number;
  connections: number;
  durationSeconds: number;
  redis: boolean;
  /** Serve from the compiled dist/ (after `npm run build`) instead of src/ through tsx. */
  built: boolean;
  label: string;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const positive = (flag: string, fallback: number): number => {
    const text = value(flag);
    const parsed = text === undefined ? fallback : Number(text);
    if (!Number.isFinite(parsed) || parsed <= 0) {
      throw new Error(`${flag} must be a positive number, got ${String(text)}`);
    }
    return parsed;
  };
  return {
    scale: positive('--scale', 1),
    connections: Math.round(positive('--connections', 100)),
    durationSeconds: Math.round(positive('--duration', 30)),
    redis: argv.includes('--redis'),
    built: argv.includes('--built'),
    label: value('--label') ?? 'run',
  };
}

/**
 * Digest of the files that shape the lake's content: the config, the rules and the models' SQL.
 * The models' YAML descriptions are read by the server, not built into the lake, so editing
 * them does not rebuild it.
 */
function exampleDigest(): string {
  const hash = createHash('sha256');
  const files = [
    'aurora.yaml',
    ...readdirSync(path.join(EXAMPLE, 'rules')).map((name) => `rules/${name}`),
    ...readdirSync(path.join(EXAMPLE, 'models'))
      .filter((name) => name.endsWith('.sql'))
      .map((name) => `models/${name}`),
  ].sort();
  for (const file of files) {
    hash.update(`${file}\0`).update(readFileSync(path.join(EXAMPLE, file)));
  }
  return hash.digest('hex');
}

/**
 * Builds the lake from the ERP database with the example's config, rules and models, unless the
 * lake in `folder` was built from the same database and example and has a published snapshot.
 */
async function ensureLake(folder: string, sourceUrl: string): Promise<{ env: NodeJS.ProcessEnv; builtMs?: number }> {
  const lake = path.join(folder, 'lake');
  const env = { ...process.env, AURORA_SOURCE_URL: sourceUrl, AURORA_MUELLER_LAKE: lake };
  const markerFile = path.join(folder, 'lake-source.json');
  const marker = JSON.stringify({ sourceUrl, example: exampleDigest() });

  const current = existsSync(markerFile) && readFileSync(markerFile, 'utf8') === marker && (await readCurrentPointer(new LakeLayout(lake))) !== undefined;
  if (current) {
    return { env };
  }

  rmSync(lake, { recursive: true, force: true });
  rmSync(markerFile, { force: true });
  process.stderr.write(`bench:api: building the lake in ${lake}\n`);
  const startedAt = performance.now();
  const outcome = await runFullLoad({ config: loadConfig(path.join(EXAMPLE, 'aurora.yaml'), env) });
  if (outcome.run.status !== 'succeeded') {
    throw new Error(`the pipeline run for the benchmark lake failed: ${JSON.stringify(outcome.run.error)}`);
  }
  writeFileSync(markerFile, marker);
  return { env, builtMs: performance.now() - startedAt };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts `aurora serve` in its own process, logging to a file, and waits until /readyz is 200. */
async function startServer(folder: string, env: NodeJS.ProcessEnv, options: Options): Promise<{ child: ChildProcess; baseUrl: string; token: string }> {
  const token = `bench-${createHash('sha256').update(String(Math.random())).digest('base64url')}`;
  const tokensFile = path.join(folder, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify({ tokens: [{ name: 'bench', role: 'viewer', sha256: hashToken(token) }] }));

  const port = await freePort();
  const logFile = path.join(folder, `serve-${options.redis ? 'redis' : 'memory'}.log`);
  const log = openSync(logFile, 'w');
  const serveEnv: NodeJS.ProcessEnv = {
    ...env,
    AURORA_API_TOKENS_FILE: tokensFile,
    AURORA_RATE_LIMIT_MAX: UNREACHED_RATE_LIMIT,
    AURORA_RATE_LIMIT_USER_MAX: UNREACHED_RATE_LIMIT,
  };
  if (options.redis) {
    serveEnv.REDIS_URL = REDIS_URL;
  } else {
    delete serveEnv.REDIS_URL;
  }
  const entry = options.built ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
  const child = spawn(
    process.execPath,
    [...entry, 'serve', '--config', path.join(EXAMPLE, 'aurora.yaml'), '--host', '127.0.0.1', '--port', String(port)],
    { env: serveEnv, stdio: ['ignore', log, log] },
  );
  closeSync(log);

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`aurora serve exited with ${child.exitCode}; see ${logFile}`);
    }
    const ready = await fetch(`${baseUrl}/readyz`).then((response) => response.status === 200, () => false);
    if (ready) {
      return { child, baseUrl, token };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGTERM');
  throw new Error(`aurora serve did not become ready within 60 s; see ${logFile}`);
}

async function firstRow(baseUrl: string, token: string, model: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/api/v1/kpis/${model}?limit=1`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) {
    throw new Error(`GET /api/v1/kpis/${model} returned ${response.status}: ${await response.text()}`);
  }
  const row = ((await response.json()) as { rows: Record<string, unknown>[] }).rows[0];
  if (row === undefined) {
    throw new Error(`model ${model} has no rows`);
  }
  return row;
}

/** Returns the measured URLs: plain pages and filtered ones, with filter values taken from the data. */
async function endpointPaths(baseUrl: string, token: string): Promise<{ name: string; path: string }[]> {
  const intake = await firstRow(baseUrl, token, 'order_intake');
  const revenue = await firstRow(baseUrl, token, 'revenue');
  const plant = encodeURIComponent(String(intake.PLANT_ID));
  const currency = encodeURIComponent(String(revenue.CURRENCY));
  const month = String(intake.MONTH).slice(0, 4);

  return [
    { name: 'order intake, first page', path: '/api/v1/kpis/order_intake' },
    {
      name: 'order intake, plant and year, by value',
      path: `/api/v1/kpis/order_intake?dim.PLANT_ID=${plant}&from=${month}-01-01&to=${month}-12-31&sort=ORDER_INTAKE_EUR&order=desc&limit=50`,
    },
    { name: 'revenue, one currency', path: `/api/v1/kpis/revenue?dim.CURRENCY=${currency}&limit=500` },
    { name: 'book to bill, all months', path: '/api/v1/kpis/book_to_bill?limit=1000' },
    { name: 'on-time delivery, one plant', path: `/api/v1/kpis/on_time_delivery?dim.PLANT_ID=${plant}&order=desc` },
    { name: 'average order value, one year', path: `/api/v1/kpis/average_order_value?from=${month}-01-01&to=${month}-12-31` },
  ];
}

/** Linux reports process CPU time in clock ticks of 1/100 s (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Returns the CPU time (user and system) that process `pid` has used, in milliseconds, from
 * /proc, or undefined where /proc is missing. Other processes on a shared machine stretch the
 * latencies, but not this number.
 */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) {
    return undefined;
  }
  // The fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Runs autocannon as a child process, so the load generator does not share this event loop. */
async function measure(baseUrl: string, token: string, endpoint: { name: string; path: string }, options: Options, serverPid: number | undefined): Promise<EndpointLoadResult> {
  // The first request of a URL runs its query; the load after it is served from the page cache.
  const firstStartedAt = performance.now();
  const check = await fetch(`${baseUrl}${endpoint.path}`, { headers: { authorization: `Bearer ${token}` } });
  const firstBody = await check.text();
  const firstRequestMs = Math.round(performance.now() - firstStartedAt);
  if (check.status !== 200) {
    throw new Error(`${endpoint.path} returned ${check.status} before the load: ${firstBody}`);
  }

  const cpuBefore = processCpuMs(serverPid);
  const loadBefore = os.loadavg()[0] ?? 0;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [AUTOCANNON, '--json', '-c', String(options.connections), '-d', String(options.durationSeconds), '-H', `authorization=Bearer ${token}`, `${baseUrl}${endpoint.path}`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`autocannon exited with ${code}`))));
  });

  const cpuAfter = processCpuMs(serverPid);
  const loadAfter = os.loadavg()[0] ?? 0;
  const result = JSON.parse(output) as {
    latency: { p50: number; p90: number; p99: number; max: number };
    requests: { average: number; total: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  return {
    ...endpoint,
    firstRequestMs,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    ...(cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0
      ? { serverCpuMsPerRequest: Number(((cpuAfter - cpuBefore) / result.requests.total).toFixed(3)) }
      : {}),
    machineLoad: Number(Math.max(loadBefore, loadAfter).toFixed(1)),
  };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** The prose above the runs in docs/benchmarks.md. */
const EXPLANATION = [
  '## API under load',
  '',
  '`aurora serve` in its own process over the lake of the Müller ERP sample at scale 1.0 (all six',
  'tables, the six gold models of `examples/mueller-erp`), with a viewer token. autocannon sends',
  'the same GET from 100 connections for 30 s per URL; the rate limit is on, with a maximum the',
  'load never reaches, so its cost is part of the numbers. Server and load generator share the',
  "machine's 2 cores.",
  '',
  '```sh',
  'npm run bench:api                 # rate limit in memory',
  'npm run bench:api -- --redis      # rate limit in Redis, as with several pods',
  '```',
  '',
  'Raw results: `bench/results/api-load-*.json`. "First request" is the URL\'s first request,',
  'alone, before the load: it runs the query, and the load after it is served from the KPI page',
  'cache. "Server CPU per request" is the server process\'s CPU time divided by the requests; the',
  'other processes on the machine stretch latencies but not this number. "Machine load" is the',
  '1-minute load average during the run.',
  '',
  '### What changed and where the time goes',
  '',
  '- Before (the code as it was before the caches): every request read `CURRENT`, the manifest',
  '  and every silver file\'s status, read and validated the model\'s YAML description',
  '  synchronously, ran `DESCRIBE` on the gold Parquet file, opened and closed a DuckDB',
  '  connection and ran its query. `order_intake` has 3.6 million rows at scale 1.0, so 100',
  '  concurrent queries over it took seconds each, and the filtered one timed out.',
  '- After: `CURRENT` is read once per request (concurrent requests share the read) and',
  '  everything derived from the snapshot it names is kept until it names another one; KPI',
  '  pages are cached per gold file and normalised query (2,000 pages or about 64 MiB, least',
  '  recently used out first; concurrent misses share one query); 128 DuckDB connections are',
  '  pooled; the rows of a cached page are turned into JSON once. The API still serves a new',
  '  snapshot from the next request on (test/api/stateless.test.ts).',
  '- Goal, p99 under 100 ms with no errors at 100 connections: met in the last two runs',
  '  ("security headers built once"), with p99 of 20 to 28 ms with the rate limit in memory and',
  '  24 to 50 ms with it in Redis, at a machine load average of 1.4 to 4.5. Missed in the',
  '  earlier "after" runs (p99 98 to 944 ms), while the load average was 12 to 20 because other',
  '  test suites and benchmarks shared the 2 cores. Server CPU per request, which that load does',
  '  not stretch, went from 0.18 to 0.46 ms in those runs to 0.12 to 0.18 ms in the last ones.',
  '  The "before" run\'s load average was not recorded; other work ran on the machine then too.',
  '- Uncached, a URL\'s first request took 10 to 300 ms alone in these runs, and 10 to 71 ms in',
  '  the last two; every later identical request of that pod comes from its cache.',
  '- A CPU profile (`node --cpu-prof`, 15 s of `order_intake` under load, after the changes):',
  '  garbage collection about 10 %, pino log lines about 10 % (two per request), socket writes',
  '  about 5 %, the read of `CURRENT` about 1.5 %. Fixed on the way: serialising the rows of',
  '  each response (12 %; now once per cached page), the DuckDB connections that a pool of 8',
  '  could not keep (4 %; now 128), and @fastify/helmet rebuilding the same security headers on',
  '  every request (5.5 %; now built once).',
];

/** Rewrites the section of docs/benchmarks.md from every stored result. */
function renderPage(): void {
  const all = readdirSync(RESULTS)
    .filter((name) => name.startsWith(RESULT_PREFIX) && name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(path.join(RESULTS, name), 'utf8')) as ApiLoadResult);
  const page = existsSync('docs/benchmarks.md') ? readFileSync('docs/benchmarks.md', 'utf8') : '# Benchmarks\n';
  writeFileSync('docs/benchmarks.md', withSection(page, 'api-load', renderApiLoadSection(all, EXPLANATION)));
}

async function main(): Promise<void> {
  if (process.argv.includes('--render')) {
    renderPage();
    return;
  }
  const options = parseOptions(process.argv.slice(2));
  const folder = path.join(WORK, `api-scale-${options.scale}`);
  mkdirSync(folder, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });

  process.stderr.write(`bench:api: preparing the ERP sample at scale ${options.scale}\n`);
  const { url } = await ensureErpDatabase(options.scale);
  const { env } = await ensureLake(folder, url);

  const { child, baseUrl, token } = await startServer(folder, env, options);
  const endpoints: EndpointLoadResult[] = [];
  try {
    for (const endpoint of await endpointPaths(baseUrl, token)) {
      process.stderr.write(`bench:api: ${endpoint.name}: ${options.connections} connections for ${options.durationSeconds} s\n`);
      const measured = await measure(baseUrl, token, endpoint, options, child.pid);
      process.stderr.write(
        `bench:api:   p50 ${measured.p50} ms, p99 ${measured.p99} ms, max ${measured.max} ms, ${measured.requestsPerSecond.toFixed(0)} requests/s, ${measured.errors} errors (${measured.timeouts} timeouts), ${measured.non2xx} non-2xx\n`,
      );
      endpoints.push(measured);
    }
  } finally {
    await stopServer(child);
  }

  const result: ApiLoadResult = {
    kind: 'api-load',
    startedAt: new Date().toISOString(),
    label: options.label,
    scale: options.scale,
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    rateLimitStore: options.redis ? 'redis' : 'memory',
    machine: {
      cores: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryBytes: os.totalmem(),
      node: process.version,
      platform: `${os.type()} ${os.release()}`,
    },
    endpoints,
  };
  const resultFile = path.join(RESULTS, `${RESULT_PREFIX}${result.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);

  renderPage();
  process.stderr.write(`bench:api: results in ${resultFile} and docs/benchmarks.md\n`);
}

if (!existsSync('package.json')) {
  throw new Error('run the benchmark from the repository root: npm run bench:api');
}
await main();

