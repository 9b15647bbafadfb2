/**
 * The load benchmark: a full load of the ERP sample's ORDERS from PostgreSQL with rule
 * validation, measured beside the physical floor for the same table (psql COPY to CSV, then
 * DuckDB CSV to Parquet) at several scales, in one script on one machine.
 *
 *   npm run bench                       scales 0.25, 0.5 and 1.0
 *   npm run bench -- --scales 0.05      a quick run
 *
 * Results go to bench/results/<timestamp>.json and docs/benchmarks.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parse as parseYaml } from 'yaml';

import { renderBenchmarkPage, type BenchmarkResult, type ScaleResult } from './benchmark-page.js';
import { ADMIN_URL, ensureErpDatabase, query, WORK } from './erp-database.js';
import { extractSection, PAGE_SECTION_NAMES, withSection } from './page-sections.js';
import { profileOrdersRules } from './profile-rules.js';

const RULES = path.resolve('examples/mueller-erp/rules');
const LOADED_TABLES = ['CUSTOMERS', 'ORDERS'];

function parseScales(argv: readonly string[]): number[] {
  const index = argv.indexOf('--scales');
  const text = index >= 0 ? argv[index + 1] : undefined;
  const scales = (text ?? '0.25,0.5,1.0').split(',').map(Number);
  if (scales.some((scale) => !Number.isFinite(scale) || scale <= 0)) {
    throw new Error(`--scales must be positive numbers separated by commas, got ${String(text)}`);
  }
  return scales;
}

/** Runs a child process to completion and returns its stdout; fails loudly on a non-zero exit. */
function runChild(command: string, args: string[], stdoutFile?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    if (stdoutFile) {
      child.stdout.pipe(createWriteStream(stdoutFile));
    } else {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    }
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/** The physical floor: psql COPY of ORDERS to a CSV file, then DuckDB converting it to Parquet. */
async function measureFloor(url: string, folder: string): Promise<ScaleResult['floor']> {
  const csv = path.join(folder, 'orders.csv');
  const copyStartedAt = performance.now();
  await runChild('psql', [url, '-X', '-q', '-c', 'COPY "ORDERS" TO STDOUT (FORMAT csv)'], csv);
  const copyMs = performance.now() - copyStartedAt;

  const duckdb = JSON.parse(
    await runChild(process.execPath, [path.resolve('bench/floor-runner.mjs'), csv, path.join(folder, 'orders.parquet'), String(os.availableParallelism())]),
  ) as { wallMs: number; maxRssBytes: number };
  rmSync(csv, { force: true });

  return { copyMs, parquetMs: duckdb.wallMs, totalMs: copyMs + duckdb.wallMs };
}

/**
 * ORDERS is read by watermark. Its delete check (all 2.1 million keys from PostgreSQL) runs
 * every seventh delta, as a nightly delta with a weekly check would, so the measured delta is
 * one without it.
 */
const ORDERS_DELTA_OPTIONS = '\n    watermark_column: UPDATED_AT\n    delete_check_every: 7';

/** Writes a config loading CUSTOMERS and ORDERS with their rule files from the example. */
function writeBenchConfig(url: string, folder: string): string {
  const rules = path.join(folder, 'rules');
  rmSync(rules, { recursive: true, force: true });
  mkdirSync(rules, { recursive: true });

  for (const name of readdirSync(RULES)) {
    const text = readFileSync(path.join(RULES, name), 'utf8');
    const table = (parseYaml(text) as { table?: string }).table;
    if (table && LOADED_TABLES.includes(table)) {
      writeFileSync(path.join(rules, name), text);
    }
  }

  const primaryKeys: Record<string, string> = { CUSTOMERS: 'CUSTOMER_ID', ORDERS: 'ORDER_ID' };
  const config = path.join(folder, 'aurora.yaml');
  writeFileSync(
    config,
    [
      'name: benchmark',
      'source:',
      '  type: postgres',
      `  url: ${url}`,
      'lake: lake',
      'rules: rules',
      `parallelism: ${os.availableParallelism()}`,
      'tables:',
      ...LOADED_TABLES.map((table) => `  - name: ${table}\n    primary_key: ${primaryKeys[table]}${table === 'ORDERS' ? ORDERS_DELTA_OPTIONS : ''}`),
    ].join('\n'),
  );
  return config;
}

async function measureLoad(url: string, folder: string): Promise<ScaleResult['aurora']> {
  rmSync(path.join(folder, 'lake'), { recursive: true, force: true });
  const config = writeBenchConfig(url, folder);
  const output = JSON.parse(await runChild(process.execPath, [path.resolve('bench/load-runner.mjs'), config])) as {
    wallMs: number;
    maxRssBytes: number;
    cpuMs: number;
    status: string;
    error: unknown;
    tables: { table: string; rowsRead: number; silverRows: number; quarantinedRows: number; rules: number; timings: { extractMs: number; validateMs: number; publishMs: number } }[];
  };
  if (output.status !== 'succeeded') {
    throw new Error(`the benchmark load failed: ${JSON.stringify(output.error)}`);
  }

  const orders = output.tables.find((table) => table.table === 'ORDERS');
  if (!orders) {
    throw new Error('the benchmark load has no ORDERS result');
  }
  return {
    wallMs: output.wallMs,
    maxRssBytes: output.maxRssBytes,
    cpuMs: output.cpuMs,
    ordersRows: orders.rowsRead,
    silverRows: orders.silverRows,
    quarantinedRows: orders.quarantinedRows,
    rules: orders.rules,
    extractMs: orders.timings.extractMs,
    validateMs: orders.timings.validateMs,
    writeMs: orders.timings.publishMs,
  };
}

/** Rows changed in the source before the delta run, as a go-live's last delta might see. */
const DELTA_CHANGED_ORDERS = 10_000;

/** Delta runs per scale; the median is reported, since one run of about a second is noisy here. */
const DELTA_RUNS = 5;

/**
 * Runs DELTA_RUNS deltas of 10,000 changed orders, one after the other like nightly deltas,
 * and returns the run with the median time, with every run's time.
 */
async function measureDeltas(url: string, folder: string): Promise<NonNullable<ScaleResult['delta']>> {
  const runs: NonNullable<ScaleResult['delta']>[] = [];
  for (let run = 0; run < DELTA_RUNS; run += 1) {
    runs.push(await measureDelta(url, folder));
  }
  const sorted = [...runs].sort((left, right) => left.wallMs - right.wallMs);
  const median = sorted[Math.floor(sorted.length / 2)] as NonNullable<ScaleResult['delta']>;
  return { ...median, runsMs: runs.map((run) => Math.round(run.wallMs)) };
}

/**
 * Touches the 10,000 newest orders in the source (a new UPDATED_AT, a second later than the
 * last touch) and times a delta load over the published snapshot.
 */
async function measureDelta(url: string, folder: string): Promise<NonNullable<ScaleResult['delta']>> {
  // UPDATED_AT has whole seconds, so the next touch waits for a new second.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await query(
    url,
    `UPDATE "ORDERS" SET "UPDATED_AT" = date_trunc('second', now()::timestamp) WHERE "ORDER_ID" IN (SELECT "ORDER_ID" FROM "ORDERS" ORDER BY "ORDER_ID" DESC LIMIT ${DELTA_CHANGED_ORDERS})`,
  );
  const output = JSON.parse(await runChild(process.execPath, [path.resolve('bench/load-runner.mjs'), path.join(folder, 'aurora.yaml'), 'delta'])) as {
    wallMs: number;
    maxRssBytes: number;
    status: string;
    error: unknown;
    tables: {
      table: string;
      delta?: { changedRows: number; incremental?: NonNullable<ScaleResult['delta']>['incremental'] };
      timings: { extractMs: number; validateMs: number; publishMs: number };
    }[];
  };
  if (output.status !== 'succeeded') {
    throw new Error(`the benchmark delta failed: ${JSON.stringify(output.error)}`);
  }
  const orders = output.tables.find((table) => table.table === 'ORDERS');
  const incremental = orders?.delta?.incremental;
  const ordersMs = orders ? orders.timings.extractMs + orders.timings.validateMs + orders.timings.publishMs : undefined;
  return {
    wallMs: output.wallMs,
    maxRssBytes: output.maxRssBytes,
    changedRows: orders?.delta?.changedRows ?? 0,
    ...(incremental ? { incremental } : {}),
    ...(ordersMs !== undefined ? { ordersMs } : {}),
  };
}

async function machineFacts(): Promise<BenchmarkResult['machine']> {
  const packageLock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { version?: string }> };
  const postgres = (await query<{ server_version: string }>(ADMIN_URL, 'SHOW server_version'))[0]?.server_version ?? 'unknown';
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    duckdb: packageLock.packages['node_modules/@duckdb/node-api']?.version ?? 'unknown',
    postgres,
    platform: `${os.type()} ${os.release()}`,
  };
}

async function main(): Promise<void> {
  const scales = parseScales(process.argv.slice(2));
  mkdirSync(WORK, { recursive: true });

  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) {
    throw new Error('npm run build failed');
  }

  const result: BenchmarkResult = { startedAt: new Date().toISOString(), machine: await machineFacts(), scales: [] };
  for (const scale of scales) {
    process.stderr.write(`bench: scale ${scale}: preparing the ERP sample\n`);
    const folder = path.join(WORK, `scale-${scale}`);
    mkdirSync(folder, { recursive: true });
    const { url, generatedMs } = await ensureErpDatabase(scale);

    process.stderr.write(`bench: scale ${scale}: physical floor\n`);
    const floor = await measureFloor(url, folder);
    process.stderr.write(`bench: scale ${scale}: aurora full load\n`);
    const aurora = await measureLoad(url, folder);

    process.stderr.write(`bench: scale ${scale}: ${DELTA_RUNS} delta loads of ${DELTA_CHANGED_ORDERS} changed orders\n`);
    const delta = await measureDeltas(url, folder);

    result.scales.push({ scale, ...(generatedMs !== undefined ? { generatedMs } : {}), floor, aurora, delta });
    process.stderr.write(
      `bench: scale ${scale}: ${aurora.ordersRows} rows, aurora ${(aurora.wallMs / 1000).toFixed(1)} s, floor ${(floor.totalMs / 1000).toFixed(1)} s, ratio ${(aurora.wallMs / floor.totalMs).toFixed(2)}, peak RSS ${(aurora.maxRssBytes / 2 ** 20).toFixed(0)} MiB\n`,
    );
  }

  const largest = [...scales].sort((a, b) => b - a)[0];
  if (largest !== undefined) {
    process.stderr.write(`bench: scale ${largest}: timing each ORDERS rule alone\n`);
    result.ruleProfile = { scale: largest, ...(await profileOrdersRules(path.join(WORK, `scale-${largest}`))) };
  }

  const resultFile = path.resolve('bench/results', `${result.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  const all = readdirSync('bench/results')
    // Only the pipeline's results start with their date; api-load-* and dashboard-load-* belong
    // to the API and dashboard benchmarks, which render their own sections.
    .filter((name) => /^\d{4}-.*\.json$/.test(name))
    .sort()
    .map((name) => JSON.parse(readFileSync(path.join('bench/results', name), 'utf8')) as BenchmarkResult);
  // The API and dashboard benchmarks own sections of the same page, which are kept as they are.
  const previousPage = existsSync('docs/benchmarks.md') ? readFileSync('docs/benchmarks.md', 'utf8') : '';
  const page = PAGE_SECTION_NAMES.reduce((text, name) => withSection(text, name, extractSection(previousPage, name)), renderBenchmarkPage(all));
  writeFileSync('docs/benchmarks.md', page);
  process.stderr.write(`bench: results in ${resultFile} and docs/benchmarks.md\n`);
}

if (!existsSync('package.json')) {
  throw new Error('run the benchmark from the repository root: npm run bench');
}
await main();
