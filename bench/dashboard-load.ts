/**
 * The dashboard load benchmark: time from navigation start to the first KPI cards in Chromium,
 * over the Müller ERP sample, cold (new browser context, empty cache) and warm (reload in the
 * same context), with the median of several runs.
 *
 *   npm run bench:dashboard                         scale 0.05, 7 runs each
 *   npm run bench:dashboard -- --scale 0.01 --runs 5
 *   npm run bench:dashboard -- --lake bench/.work/api-scale-1/lake   a lake built before (npm run bench:api)
 *
 * The sample goes into SQLite and through a real full load; the API serves the lake and the
 * built dashboard on 127.0.0.1. Results go to bench/results/dashboard-load-<timestamp>.json and a
 * section of docs/benchmarks.md between the dashboard-load markers.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Browser } from 'playwright-core';

import { loadConfig } from '../src/config/load-config.js';
import type { AuroraConfig } from '../src/config/types.js';
import { launchChromium } from '../test/dashboard/browser.js';
import { startDashboardServer } from '../test/dashboard/dashboard-server.js';
import { createErpLake } from '../test/dashboard/erp-lake.js';
import { buildDashboard } from '../test/dashboard/web-build.js';

import { sectionEnd, sectionStart, withSection } from './page-sections.js';

const CARDS_MARK = 'aurora:kpi-cards';
const CHART_MARK = 'aurora:kpi-chart';
const PAGE = '/#/kpis?model=order_intake';
const TARGET_MS = 3000;
const SECTION_START = sectionStart('dashboard-load');
const SECTION_END = sectionEnd('dashboard-load');

interface LoadTiming {
  /** Navigation start to the KPI cards in the page (performance mark). The first cold run is the first load after the server started. */
  cardsMs: number;
  /** Navigation start to the monthly chart in the page. */
  chartMs: number;
  /** Bytes received for the page and its requests, as the browser's resource timing reports them. */
  transferBytes: number;
  requests: number;
}

interface Summary {
  medianCardsMs: number;
  minCardsMs: number;
  maxCardsMs: number;
  medianChartMs: number;
}

interface DashboardLoadResult {
  startedAt: string;
  /** `loadAverage` is the 1-minute load average at the start, because other processes on the machine slow the runs. */
  machine: { cores: number; cpuModel: string; memoryBytes: number; node: string; chromium: string; platform: string; loadAverage: number };
  /** Scale of the sample built for this run; null when an existing lake was measured. */
  scale: number | null;
  /** The existing lake folder given with --lake. */
  lake?: string;
  /** Silver plus quarantined ORDERS rows of the published snapshot. */
  orders: number;
  runs: number;
  page: string;
  cold: { runs: LoadTiming[]; summary: Summary };
  warm: { runs: LoadTiming[]; summary: Summary };
}

function parseArguments(argv: readonly string[]): { scale: number; runs: number; lake: string | undefined } {
  const valueOf = (name: string, fallback: string): string => {
    const index = argv.indexOf(name);
    return index >= 0 ? (argv[index + 1] ?? '') : fallback;
  };
  const scale = Number(valueOf('--scale', '0.05'));
  const runs = Number(valueOf('--runs', '7'));
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) {
    throw new Error(`--scale must be a number above 0 and at most 1, got ${valueOf('--scale', '')}`);
  }
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    throw new Error(`--runs must be a whole number from 1 to 50, got ${valueOf('--runs', '')}`);
  }
  const lake = argv.includes('--lake') ? path.resolve(valueOf('--lake', '')) : undefined;
  if (lake !== undefined && !existsSync(path.join(lake, 'CURRENT'))) {
    throw new Error(`--lake must name a lake folder with a published snapshot (CURRENT), got ${lake}`);
  }
  return { scale, runs, lake };
}

/** Returns the ERP example's config pointed at an existing lake, for `--lake`. */
function configForLake(lake: string): AuroraConfig {
  return loadConfig(path.resolve('examples/mueller-erp/aurora.yaml'), { ...process.env, AURORA_MUELLER_LAKE: lake });
}

/** Loads (or reloads) the page and reads the user-timing marks and resource sizes once the chart is in. */
async function measureLoad(page: import('playwright-core').Page, url: string, reload: boolean): Promise<LoadTiming> {
  if (reload) {
    await page.reload();
  } else {
    await page.goto(url);
  }
  await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, CHART_MARK, { timeout: 30_000 });
  // The filter choices load after the chart; waiting for them keeps their queries out of the next run.
  await page.waitForLoadState('networkidle');

  return page.evaluate(
    ([cardsMark, chartMark]) => {
      const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      return {
        cardsMs: performance.getEntriesByName(cardsMark as string)[0]?.startTime ?? Number.NaN,
        chartMs: performance.getEntriesByName(chartMark as string)[0]?.startTime ?? Number.NaN,
        transferBytes: (navigation?.transferSize ?? 0) + resources.reduce((sum, entry) => sum + entry.transferSize, 0),
        requests: 1 + resources.length,
      };
    },
    [CARDS_MARK, CHART_MARK],
  );
}

function summarize(runs: readonly LoadTiming[]): Summary {
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  };
  const cards = runs.map((run) => run.cardsMs);
  return {
    medianCardsMs: median(cards),
    minCardsMs: Math.min(...cards),
    maxCardsMs: Math.max(...cards),
    medianChartMs: median(runs.map((run) => run.chartMs)),
  };
}

async function measure(browser: Browser, url: string, runs: number): Promise<Pick<DashboardLoadResult, 'cold' | 'warm'>> {
  // Cold: each run in a new context, so nothing is cached and no connection is reused.
  const cold: LoadTiming[] = [];
  for (let run = 0; run < runs; run += 1) {
    const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1366, height: 900 } });
    cold.push(await measureLoad(await context.newPage(), url, false));
    await context.close();
  }

  // Warm: one context, first load not counted; each reload revalidates index.html and takes the hashed assets from the cache.
  const warm: LoadTiming[] = [];
  const context = await browser.newContext({ locale: 'de-DE', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await measureLoad(page, url, false);
  for (let run = 0; run < runs; run += 1) {
    warm.push(await measureLoad(page, url, true));
  }
  await context.close();

  return { cold: { runs: cold, summary: summarize(cold) }, warm: { runs: warm, summary: summarize(warm) } };
}

function renderRun(result: DashboardLoadResult): string[] {
  const ms = (value: number): string => Math.round(value).toLocaleString('en-US');
  const kib = (bytes: number): string => (bytes / 1024).toFixed(0);
  const row = (label: string, data: DashboardLoadResult['cold']): string => {
    const bytes = data.runs.map((run) => run.transferBytes).sort((a, b) => a - b)[Math.floor(data.runs.length / 2)] ?? 0;
    return `| ${label} | ${ms(data.summary.medianCardsMs)} | ${ms(data.summary.minCardsMs)} | ${ms(data.summary.maxCardsMs)} | ${ms(data.summary.medianChartMs)} | ${kib(bytes)} | ${data.runs[0]?.requests ?? 0} |`;
  };
  const worst = Math.max(result.cold.summary.medianCardsMs, result.warm.summary.medianCardsMs);
  const data = result.scale === null ? `Existing lake \`${result.lake ?? ''}\`` : `ERP sample at scale ${result.scale} in SQLite, full load`;

  return [
    `### ${result.startedAt}`,
    '',
    `${data} (${result.orders.toLocaleString('en-US')} orders), ${result.runs} runs each; ` +
      `${result.machine.cores} cores (${result.machine.cpuModel}), Node.js ${result.machine.node}, Chromium ${result.machine.chromium}; ` +
      `load average ${result.machine.loadAverage.toFixed(1)} at the start from other processes.`,
    '',
    '| Load | Cards, median (ms) | min (ms) | max (ms) | Chart, median (ms) | Transferred (KiB) | Requests |',
    '|---|---|---|---|---|---|---|',
    row('cold', result.cold),
    row('warm', result.warm),
    '',
    `- First load after the server started (nothing cached in the server or the browser): cards after ${ms(result.cold.runs[0]?.cardsMs ?? Number.NaN)} ms.`,
    `- Target: cards in under ${ms(TARGET_MS)} ms: median ${ms(worst)} ms, ${worst < TARGET_MS ? 'met' : 'missed'}.`,
    '',
  ];
}

/** Renders the docs section from every stored dashboard result, newest first. */
function renderSection(results: readonly DashboardLoadResult[]): string {
  return [
    SECTION_START,
    '',
    '## Dashboard load time',
    '',
    'Time from navigation start to the KPI cards of `order_intake` in the page (the `aurora:kpi-cards`',
    'performance mark the dashboard sets), and to the monthly chart, in headless Chromium on the same',
    'machine as `aurora serve`. Cold: a new browser context per run, so nothing is cached. Warm: reloads',
    'in one context, with the hashed assets from the cache. The server caches totals per published run, so',
    'only the first cold run after its start queries DuckDB for the cards. The page calls the API (session,',
    'models, totals per month and currency, then one totals call per filter dimension) over plain HTTP on',
    '127.0.0.1, so network latency is not part of the numbers. Most of the bytes are the customer filter\'s',
    'choices (one totals group per customer), which load after the chart.',
    '',
    '```sh',
    'npm run bench:dashboard                                           # scale 0.05, 7 runs each',
    'npm run bench:dashboard -- --scale 0.01 --runs 5',
    'npm run bench:dashboard -- --lake bench/.work/api-scale-1/lake    # the scale 1.0 lake of npm run bench:api',
    '```',
    '',
    'Raw results: `bench/results/dashboard-load-*.json`.',
    '',
    ...results.flatMap(renderRun),
    SECTION_END,
  ].join('\n');
}

function readStoredResults(): DashboardLoadResult[] {
  return readdirSync('bench/results')
    .filter((name) => name.startsWith('dashboard-load-') && name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(path.join('bench/results', name), 'utf8')) as DashboardLoadResult)
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

function writeSection(section: string): void {
  const file = 'docs/benchmarks.md';
  const page = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, withSection(page, 'dashboard-load', section));
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const startLoadAverage = os.loadavg()[0] ?? 0;

  process.stderr.write('bench: building the dashboard\n');
  const webFolder = buildDashboard();
  let lake: { config: AuroraConfig; remove(): void };
  if (options.lake === undefined) {
    process.stderr.write(`bench: building the ERP sample at scale ${options.scale} and its lake\n`);
    const lakeStartedAt = performance.now();
    lake = await createErpLake(options.scale);
    process.stderr.write(`bench: sample and full load took ${((performance.now() - lakeStartedAt) / 1000).toFixed(1)} s\n`);
  } else {
    // Another command built this lake, so the benchmark only reads it and never removes it.
    lake = { config: configForLake(options.lake), remove: () => undefined };
  }

  const app = await startDashboardServer(lake.config, { disabled: true }, webFolder);
  const browser = await launchChromium();
  try {
    const freshness = await app.getJson<{ tables: { table: string; silverRows: number; quarantinedRows: number }[] }>('/api/v1/freshness');
    const ordersTable = freshness.body.tables.find((table) => table.table === 'ORDERS');
    const timings = await measure(browser, `${app.baseUrl}${PAGE}`, options.runs);
    const result: DashboardLoadResult = {
      startedAt,
      machine: {
        cores: os.availableParallelism(),
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        memoryBytes: os.totalmem(),
        node: process.version,
        chromium: browser.version(),
        platform: `${os.platform()} ${os.release()}`,
        loadAverage: startLoadAverage,
      },
      scale: options.lake === undefined ? options.scale : null,
      ...(options.lake === undefined ? {} : { lake: path.relative(process.cwd(), options.lake) }),
      orders: (ordersTable?.silverRows ?? 0) + (ordersTable?.quarantinedRows ?? 0),
      runs: options.runs,
      page: PAGE,
      ...timings,
    };

    mkdirSync('bench/results', { recursive: true });
    const resultFile = path.join('bench/results', `dashboard-load-${startedAt.replaceAll(':', '-').replace('.', '-')}.json`);
    writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
    writeSection(renderSection(readStoredResults()));
    process.stdout.write(
      `cold: cards median ${Math.round(result.cold.summary.medianCardsMs)} ms, warm: cards median ${Math.round(result.warm.summary.medianCardsMs)} ms\n`,
    );
    process.stderr.write(`bench: results in ${resultFile} and docs/benchmarks.md\n`);
  } finally {
    await browser.close();
    await app.close();
    lake.remove();
    rmSync(webFolder, { recursive: true, force: true });
  }
}

await main();
