/**
 * Reads partitions of a Source back into rows, keeping NULL (unquoted empty field) apart from
 * the empty string (`""`), so that tests can compare exact field text.
 */
import assert from 'node:assert/strict';

import { parse } from 'csv-parse/sync';

import type { PartitionData, Source, SourceTableRequest, TableDescription } from '../../src/sources/types.js';

export type CsvRow = Array<string | null>;

/** Parses canonical CSV text; an unquoted empty field becomes null. */
export function parseCanonicalCsv(text: string): CsvRow[] {
  return parse(text, {
    cast: (value, context) => (value === '' && !context.quoting ? null : value),
    relax_column_count: false,
  }) as CsvRow[];
}

/** Collects a CSV partition's stream as text. */
export async function readPartitionText(data: PartitionData): Promise<string> {
  if (data.kind !== 'csv') {
    throw new Error(`expected a CSV partition, got ${data.kind}`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of data.stream) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Plans `count` partitions, reads each one and returns the ranges with their rows. */
export async function readAllPartitions(
  source: Source,
  table: TableDescription,
  request: SourceTableRequest,
  count: number,
): Promise<{ partitions: number; rows: CsvRow[] }> {
  const ranges = await source.planPartitions(table, request, count);
  const rows: CsvRow[] = [];
  for (const range of ranges) {
    const text = await readPartitionText(await source.readPartition(table, request, range));
    rows.push(...parseCanonicalCsv(text));
  }
  return { partitions: ranges.length, rows };
}

/** Builds a table request with the defaults of aurora.yaml. */
export function tableRequest(sourceTable: string, primaryKey: string[], extra: Partial<SourceTableRequest> = {}): SourceTableRequest {
  return { name: sourceTable.toLowerCase(), sourceTable, primaryKey, ...extra };
}

/**
 * Opens a partition, leaves it unread for `waitMs`, and returns how much the JS heap grew in
 * that time and how many rows the partition had once read. A source that honours backpressure
 * buffers a few hundred kilobytes; one that does not has read the whole table into memory by then.
 */
export async function measureUnreadBuffering(
  open: () => Promise<PartitionData>,
  waitMs = 700,
): Promise<{ heapGrowthBytes: number; rows: number }> {
  const heapBefore = process.memoryUsage().heapUsed;
  const data = await open();
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  const heapGrowthBytes = process.memoryUsage().heapUsed - heapBefore;

  const text = await readPartitionText(data);
  let rows = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    rows++;
  }
  return { heapGrowthBytes, rows };
}

/** Describes each table with its key and checks whether the source reports the key as enforced. */
export async function assertKeyEnforcement(source: Source, cases: readonly [table: string, key: string[], enforced: boolean][]): Promise<void> {
  for (const [table, key, enforced] of cases) {
    const description = await source.describeTable(tableRequest(table, key));
    assert.equal(description.keyEnforced === true, enforced, `${table} (${key.join(', ')})`);
  }
}
