import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { LakeLayout } from '../../lake/lake-layout.js';
import { listRuns } from '../../lake/run-history.js';
import { measureFolderBytes } from '../lake-reader.js';
import { ageInSeconds, readPublishedRun } from '../published-run.js';

/** The route label for requests that matched no route, so unknown paths cannot grow the label set. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * `/metrics` in the Prometheus text format. Each server has its own registry, so two servers
 * in one process (as in tests) do not share counters; buildServer creates it and passes it. The lake gauges are read on each scrape.
 */
export async function registerMetricsRoutes(server: FastifyInstance, options: { layout: LakeLayout; registry: Registry }): Promise<void> {
  const registry = options.registry;
  registerHttpMetrics(server, registry);
  registerLakeGauges(registry, options.layout);

  server.get('/metrics', { config: { rateLimit: false } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}

function registerHttpMetrics(server: FastifyInstance, registry: Registry): void {
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({ name: 'aurora_http_requests_total', help: 'HTTP responses sent, by route template, method and status.', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'aurora_http_request_duration_seconds',
    help: 'Time from receiving a request to sending the response, in seconds.',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  server.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}

function registerLakeGauges(registry: Registry, layout: LakeLayout): void {
  new Gauge({
    name: 'aurora_runs',
    help: 'Run records in the lake, by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const runs = await listRuns(layout);
      this.reset();
      for (const status of ['succeeded', 'failed'] as const) {
        this.set({ status }, runs.filter((run) => run.status === status).length);
      }
    },
  });

  new Gauge({
    name: 'aurora_last_run_duration_seconds',
    help: 'Duration of the newest run in seconds, labelled with its status; absent before the first run.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const [newest] = await listRuns(layout);
      this.reset();
      if (newest) {
        this.set({ status: newest.status }, newest.durationMs / 1000);
      }
    },
  });

  // registry.metrics() collects all metrics concurrently, so each gauge reads the published
  // run itself instead of relying on another gauge's collect having run first.
  new Gauge({
    name: 'aurora_published_snapshot_info',
    help: 'Always 1, labelled with the run id of the published snapshot; absent when nothing is published.',
    labelNames: ['run_id'],
    registers: [registry],
    async collect() {
      const published = await readPublishedRun(layout);
      this.reset();
      if (published) {
        this.set({ run_id: published.runId }, 1);
      }
    },
  });

  new Gauge({
    name: 'aurora_published_rows_loaded',
    help: 'Rows in silver per table of the published snapshot.',
    labelNames: ['table'],
    registers: [registry],
    async collect() {
      const published = await readPublishedRun(layout);
      this.reset();
      for (const table of published?.manifest.tables ?? []) {
        this.set({ table: table.table }, table.silverRows);
      }
    },
  });

  new Gauge({
    name: 'aurora_published_rows_quarantined',
    help: 'Rows in quarantine per table of the published snapshot.',
    labelNames: ['table'],
    registers: [registry],
    async collect() {
      const published = await readPublishedRun(layout);
      this.reset();
      for (const table of published?.manifest.tables ?? []) {
        this.set({ table: table.table }, table.quarantinedRows);
      }
    },
  });

  // Labelled by table so that the series is absent, not 0, while nothing is published.
  new Gauge({
    name: 'aurora_data_freshness_seconds',
    help: 'Seconds since the run of the published snapshot finished, per table of that snapshot.',
    labelNames: ['table'],
    registers: [registry],
    async collect() {
      const published = await readPublishedRun(layout);
      this.reset();
      if (!published) {
        return;
      }
      const ageSeconds = ageInSeconds(published.finishedAt);
      for (const table of published.manifest.tables) {
        this.set({ table: table.table }, ageSeconds);
      }
    },
  });

  new Gauge({
    name: 'aurora_lake_size_bytes',
    help: 'Total size of the files in the lake folder, in bytes.',
    registers: [registry],
    async collect() {
      this.set(await measureFolderBytes(layout.root));
    },
  });
}
