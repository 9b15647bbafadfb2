import type { TableResult } from './run-result.js';

/** What the pipeline tells its caller while it runs; the CLI turns these into progress output. */
export type PipelineEvent =
  | { type: 'run-started'; runId: string; mode: 'full' | 'delta'; tables: { table: string; partitions: number; rowsExpected: number }[] }
  | { type: 'extract-progress'; table: string; rows: number }
  /** `resumed`: the partition's bronze file was taken over from a killed run, not read again. */
  | { type: 'partition-extracted'; table: string; partition: number; rows: number; resumed?: boolean }
  | { type: 'table-extracted'; table: string; rows: number; durationMs: number }
  | { type: 'validation-started'; table: string }
  | { type: 'table-validated'; table: string; result: TableResult }
  | { type: 'published'; runId: string; snapshot: string };

export type PipelineEventListener = (event: PipelineEvent) => void;
