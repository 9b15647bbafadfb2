import { readFile } from 'node:fs/promises';

import { describeLogicalType } from '../engine/duckdb-types.js';
import type { LakeLayout } from '../lake/lake-layout.js';
import { readCurrentPointer } from '../lake/snapshots.js';
import type { TableDescription } from '../sources/types.js';
import type { RunResult, SchemaChange } from './run-result.js';

/** The columns of a table as a run records them. */
export function schemaOf(description: TableDescription): { name: string; type: string }[] {
  return description.columns.map((column) => ({ name: column.name, type: describeLogicalType(column.type) }));
}

/** The published run's record, whose table schemas are the baseline for the next run. */
export async function readPublishedRun(layout: LakeLayout): Promise<RunResult | undefined> {
  const pointer = await readCurrentPointer(layout);
  if (!pointer) {
    return undefined;
  }
  try {
    return JSON.parse(await readFile(layout.runRecord(pointer.runId), 'utf8')) as RunResult;
  } catch {
    return undefined;
  }
}

/** Lists added, dropped and retyped columns, in the order of the new columns, then the dropped ones. */
export function diffSchemas(previous: readonly { name: string; type: string }[], current: readonly { name: string; type: string }[]): SchemaChange[] {
  const before = new Map(previous.map((column) => [column.name, column.type]));
  const after = new Map(current.map((column) => [column.name, column.type]));
  const changes: SchemaChange[] = [];

  for (const column of current) {
    const oldType = before.get(column.name);
    if (oldType === undefined) {
      changes.push({ column: column.name, kind: 'added', newType: column.type });
    } else if (oldType !== column.type) {
      changes.push({ column: column.name, kind: 'type_changed', oldType, newType: column.type });
    }
  }
  for (const column of previous) {
    if (!after.has(column.name)) {
      changes.push({ column: column.name, kind: 'dropped', oldType: column.type });
    }
  }
  return changes;
}
