import { Gauge, type Registry } from 'prom-client';

import type { LakeLayout } from '../lake/lake-layout.js';
import { listRuns, type RunSummary } from '../lake/run-history.js';
import type { SnapshotManifest } from '../lake/snapshots.js';
import { measureFolderBytes } from './lake-reader.js';
import { ageInSeconds, readPublishedRun, type PublishedRun } from './published-run.js';


/**
 * The lake size is measured again when another snapshot is published, and otherwise at most this
 * often, because walking a large lake on every scrape costs seconds of I/O. Failed runs and
 * retention change the size without a new snapshot, so the value lags by up to this much.
 */
export const LAKE_SIZE_MAX_AGE_MS = 10 * 60_000;

interface LakeState {
  runs: RunSummary[];
  published: PublishedRun | undefined;
}

/** Registers the gauges read from the lake: run records, the published snapshot, freshness and size. */
export function registerLakeGauges(registry: Registry, layout: LakeLayout): void {
  const readState = shareWhileRunning(async (): Promise<LakeState> => {
    const [runs, published] = await Promise.all([listRuns(layout), readPublishedRun(layout)]);
    return { runs, published };
  });
  const lakeSize = new LakeSizeCache(layout);

  registerRunGauges(registry, readState);
  registerSnapshotGauges(registry, readState);

  new Gauge({
    name: 'aurora_lake_size_bytes',
    help: `Total size of the files in the lake folder, in bytes; measured again per published snapshot and at least every ${LAKE_SIZE_MAX_AGE_MS / 60_000} minutes.`,
    registers: [registry],
    async collect() {
      const { published } = await readState();
      this.set(await lakeSize.read(published?.runId));
    },
  });
}

function registerRunGauges(registry: Registry, readState: () => Promise<LakeState>): void {
  new Gauge({
    name: 'aurora_runs',
    help: 'Run records in the lake, by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { runs } = await readState();
      this.reset();
      for (const status of new Set(['succeeded', 'failed', ...runs.map((run) => run.status)])) {
        this.set({ status }, runs.filter((run) => run.status === status).length);
      }
    },
  });

  new Gauge({
    name: 'aurora_last_run_duration_seconds',
    help: 'Duration in seconds of the newest run of each status; absent for a status without runs.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { runs } = await readState();
      this.reset();
      for (const run of newestPerStatus(runs)) {
        this.set({ status: run.status }, run.durationMs / 1000);
      }
    },
  });

  new Gauge({
    name: 'aurora_last_run_timestamp_seconds',
    help: 'Unix time in seconds at which the newest run of each status finished; absent for a status without runs.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { runs } = await readState();
      this.reset();
      for (const run of newestPerStatus(runs)) {
        this.set({ status: run.status }, (Date.parse(run.startedAt) + run.durationMs) / 1000);
      }
    },
  });
}

function registerSnapshotGauges(registry: Registry, readState: () => Promise<LakeState>): void {
  new Gauge({
    name: 'aurora_published_snapshot_info',
    help: 'Always 1, labelled with the run id of the published snapshot; absent when nothing is published.',
    labelNames: ['run_id'],
    registers: [registry],
    async collect() {
      const { published } = await readState();
      this.reset();
      if (published) {
        this.set({ run_id: published.runId }, 1);
      }
    },
  });

  const rowsPerTable = (name: string, help: string, rows: (table: SnapshotManifest['tables'][number]) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['table'],
      registers: [registry],
      async collect() {
        const { published } = await readState();
        this.reset();
        for (const table of published?.manifest.tables ?? []) {
          this.set({ table: table.table }, rows(table));
        }
      },
    });
  };
  rowsPerTable('aurora_published_rows_loaded', 'Rows in silver per table of the published snapshot.', (table) => table.silverRows);
  rowsPerTable('aurora_published_rows_quarantined', 'Rows in quarantine per table of the published snapshot.', (table) => table.quarantinedRows);

  // Labelled by table so that the series is absent, not 0, while nothing is published.
  new Gauge({
    name: 'aurora_data_freshness_seconds',
    help: 'Seconds since the run of the published snapshot finished, per table of that snapshot.',
    labelNames: ['table'],
    registers: [registry],
    async collect() {
      const { published } = await readState();
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
}

/** Runs are sorted newest first, so the first of each status is its newest. */
function newestPerStatus(runs: readonly RunSummary[]): RunSummary[] {
  const newest = new Map<string, RunSummary>();
  for (const run of runs) {
    if (!newest.has(run.status)) {
      newest.set(run.status, run);
    }
  }
  return [...newest.values()];
}

/**
 * Returns a function that shares one call of `read` among the callers that arrive while it
 * runs. registry.metrics() collects all gauges at once, so the gauges of one scrape read the
 * run records and the published snapshot once, and the next scrape reads them afresh.
 */
function shareWhileRunning<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    if (running === undefined) {
      running = read().finally(() => {
        running = undefined;
      });
    }
    return running;
  };
}

/** The lake size per published run id, measured again after LAKE_SIZE_MAX_AGE_MS. */
export class LakeSizeCache {
  private cached: { runId: string | undefined; bytes: number; measuredAt: number } | undefined;
  private inFlight: { runId: string | undefined; promise: Promise<number> } | undefined;

  constructor(
    private readonly layout: LakeLayout,
    private readonly maxAgeMs: number = LAKE_SIZE_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async read(publishedRunId: string | undefined): Promise<number> {
    const cached = this.cached;
    if (cached !== undefined && cached.runId === publishedRunId && this.now() - cached.measuredAt < this.maxAgeMs) {
      return cached.bytes;
    }
    if (this.inFlight !== undefined && this.inFlight.runId === publishedRunId) {
      return this.inFlight.promise;
    }

    const measuredAt = this.now();
    const promise = measureFolderBytes(this.layout.root).then(
      (bytes) => {
        this.cached = { runId: publishedRunId, bytes, measuredAt };
        this.inFlight = undefined;
        return bytes;
      },
      (error: unknown) => {
        this.inFlight = undefined;
        throw error;
      },
    );
    this.inFlight = { runId: publishedRunId, promise };
    return promise;
  }
}
