/** The API load section of docs/benchmarks.md (see page-sections.ts). */

import { sectionEnd, sectionStart } from './page-sections.js';

const SECTION_START = sectionStart('api-load');
const SECTION_END = sectionEnd('api-load');

/** One endpoint under load, as autocannon measured it. Latencies in milliseconds. */
export interface EndpointLoadResult {
  name: string;
  path: string;
  /** Latency of the URL's first request, alone, before the load: the query without the page cache. Absent in older results. */
  firstRequestMs?: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requestsPerSecond: number;
  requests: number;
  /** Failed requests, timeouts included. */
  errors: number;
  /** Requests without a response within autocannon's 10 s timeout; also counted in errors. */
  timeouts: number;
  non2xx: number;
  /** CPU time of the server process per request in milliseconds: unlike latency, not stretched by other processes. */
  serverCpuMsPerRequest?: number;
  /** The machine's 1-minute load average, the higher of the values before and after the endpoint's run. */
  machineLoad?: number;
}

export interface ApiLoadResult {
  kind: 'api-load';
  startedAt: string;
  /** Free text such as `before` or `after query cache`, to tell runs of one day apart. */
  label: string;
  scale: number;
  connections: number;
  durationSeconds: number;
  /** `memory` or `redis`: where the rate limit counts. */
  rateLimitStore: 'memory' | 'redis';
  machine: { cores: number; cpuModel: string; memoryBytes: number; node: string; platform: string };
  endpoints: EndpointLoadResult[];
}

/** The p99 goal at 100 connections. */
export const P99_GOAL_MS = 100;

function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function renderRun(result: ApiLoadResult): string[] {
  const worstP99 = Math.max(...result.endpoints.map((endpoint) => endpoint.p99));
  // autocannon counts a timeout both as an error and as a timeout, so timeouts are not added again.
  const failures = result.endpoints.reduce((sum, endpoint) => sum + endpoint.errors + endpoint.non2xx, 0);
  const met = worstP99 < P99_GOAL_MS && failures === 0;
  return [
    `### ${result.startedAt}: ${result.label}`,
    '',
    `Scale ${result.scale}, ${result.connections} connections, ${result.durationSeconds} s per endpoint, rate limit in ${result.rateLimitStore}; ` +
      `${result.machine.cores} cores (${result.machine.cpuModel}), Node.js ${result.machine.node}.`,
    '',
    '| Endpoint | Path | First request (ms) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | Requests/s | Requests | Errors (with timeouts) | Timeouts | Non-2xx | Server CPU per request (ms) | Machine load |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...result.endpoints.map(
      (endpoint) =>
        `| ${endpoint.name} | \`${endpoint.path}\` | ${endpoint.firstRequestMs ?? '–'} | ${endpoint.p50} | ${endpoint.p90} | ${endpoint.p99} | ${endpoint.max} | ${formatNumber(endpoint.requestsPerSecond)} | ${formatNumber(endpoint.requests)} | ${endpoint.errors} | ${endpoint.timeouts} | ${endpoint.non2xx} | ${endpoint.serverCpuMsPerRequest ?? '–'} | ${endpoint.machineLoad ?? '–'} |`,
    ),
    '',
    `- p99 under ${P99_GOAL_MS} ms with no errors on every endpoint: worst p99 ${worstP99} ms, ${failures} failed requests — ${met ? 'met' : 'missed'}.`,
    '',
  ];
}

/** Renders the section from every API load result, newest first. */
export function renderApiLoadSection(results: readonly ApiLoadResult[], explanation: readonly string[]): string {
  const newestFirst = [...results].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return [SECTION_START, '', ...explanation, '', ...newestFirst.flatMap(renderRun), SECTION_END].join('\n');
}
