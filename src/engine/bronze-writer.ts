import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { DuckDBConnection } from '@duckdb/node-api';

import { AuroraError, describeCause } from '../errors/aurora-error.js';
import type { PartitionData, TableDescription } from '../sources/types.js';
import { describeLogicalType, duckdbTypeOf, exactTextPattern } from './duckdb-types.js';
import { quoteIdentifier, quoteLiteral } from './sql-text.js';

/** The marker that `error()` puts in front of a type mismatch, so it can be told from other failures. */
const MISMATCH_MARKER = 'aurora-type-mismatch:';

export interface BronzePartitionTask {
  table: TableDescription;
  partition: number;
  data: PartitionData;
  /** Where the raw CSV of the partition is staged; removed afterwards. */
  stagingFile: string;
  /** The Parquet file to write; it appears only when complete. */
  targetFile: string;
  /** Called with the approximate number of rows staged so far, for progress bars. */
  onProgress?: (rows: number) => void;
}

/**
 * Writes one partition into the bronze layer as Parquet with the source's types. The rows are
 * staged as CSV on disk first so that memory does not depend on the partition's size, then
 * DuckDB converts them in one set-based statement. A value that does not fit its column type
 * fails the partition with VALUE_TYPE_MISMATCH naming the column, key and value.
 */
export async function writeBronzePartition(connection: DuckDBConnection, task: BronzePartitionTask): Promise<number> {
  // The source may fail before the stream is piped anywhere; without a listener that error
  // would crash the process instead of failing the partition.
  let earlyError: unknown;
  if (task.data.kind === 'csv') {
    task.data.stream.once('error', (error) => {
      earlyError ??= error;
    });
  }

  await mkdir(path.dirname(task.targetFile), { recursive: true });
  const partialFile = `${task.targetFile}.partial`;

  try {
    const selectSql =
      task.data.kind === 'csv' ? await stageCsv(task, task.data.stream) : `SELECT * FROM (${task.data.sql})`;
    if (earlyError !== undefined) {
      throw earlyError;
    }

    const rows = await copyToParquet(connection, task, selectSql, partialFile);
    await rename(partialFile, task.targetFile);
    return rows;
  } catch (error) {
    await rm(partialFile, { force: true });
    throw translateDuckdbError(error, task);
  } finally {
    await rm(task.stagingFile, { force: true });
  }
}

async function stageCsv(task: BronzePartitionTask, stream: NodeJS.ReadableStream): Promise<string> {
  await mkdir(path.dirname(task.stagingFile), { recursive: true });
  await pipeline(stream, lineCounter(task.onProgress), createWriteStream(task.stagingFile));

  const columns = task.table.columns.map((_, index) => `${quoteLiteral(`c${index}`)}: 'VARCHAR'`).join(', ');
  const raw = `read_csv(${quoteLiteral(task.stagingFile)}, columns = {${columns}}, header = false, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, auto_detect = false, strict_mode = true)`;

  const keyText = keyExpression(task.table);
  const casts = task.table.columns.map((column, index) => {
    const raw = quoteIdentifier(`c${index}`);
    const target = duckdbTypeOf(column.type);
    if (target === 'VARCHAR') {
      return `${raw} AS ${quoteIdentifier(column.name)}`;
    }

    const pattern = exactTextPattern(column.type);
    const exactCast = pattern
      ? `CASE WHEN regexp_full_match(${raw}, ${quoteLiteral(pattern)}) THEN TRY_CAST(${raw} AS ${target}) END`
      : `TRY_CAST(${raw} AS ${target})`;
    const report = `error(${quoteLiteral(MISMATCH_MARKER)} || json_object('column', ${quoteLiteral(column.name)}, 'expected', ${quoteLiteral(describeLogicalType(column.type))}, 'value', ${raw}, 'key', ${keyText}))`;

    return `CASE WHEN ${raw} IS NOT NULL AND (${exactCast}) IS NULL THEN ${report} ELSE ${exactCast} END AS ${quoteIdentifier(column.name)}`;
  });

  return `SELECT ${casts.join(', ')} FROM ${raw}`;
}

/** The primary key of the row being cast, as text for the mismatch message. */
function keyExpression(table: TableDescription): string {
  const parts = table.primaryKey.map((name) => {
    const index = table.columns.findIndex((column) => column.name === name);
    return `coalesce(${quoteIdentifier(`c${index}`)}, 'NULL')`;
  });
  return parts.length === 0 ? "''" : parts.join(" || ', ' || ");
}

async function copyToParquet(connection: DuckDBConnection, task: BronzePartitionTask, selectSql: string, file: string): Promise<number> {
  const copy = `COPY (${selectSql}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`;
  const result = await connection.run(copy);
  return Number(result.rowsChanged);
}

function translateDuckdbError(error: unknown, task: BronzePartitionTask): unknown {
  if (error instanceof AuroraError) {
    return error;
  }

  const message = describeCause(error);
  const markerAt = message.indexOf(MISMATCH_MARKER);
  if (markerAt >= 0) {
    const details = parseMismatch(message.slice(markerAt + MISMATCH_MARKER.length));
    if (details) {
      return new AuroraError('VALUE_TYPE_MISMATCH', { table: task.table.name, ...details }, { cause: error });
    }
  }

  if (/No space left on device/i.test(message) || (error as { code?: string }).code === 'ENOSPC') {
    return new AuroraError('LAKE_FULL', { path: path.dirname(task.targetFile) }, { cause: error });
  }

  return new AuroraError(
    'SOURCE_READ_FAILED',
    { table: task.table.name, partition: task.partition, detail: message },
    { cause: error },
  );
}

function parseMismatch(text: string): { column: string; expected: string; value: string; key: string } | undefined {
  try {
    const end = text.lastIndexOf('}');
    const parsed = JSON.parse(text.slice(0, end + 1)) as Record<string, unknown>;
    return {
      column: String(parsed.column),
      expected: String(parsed.expected),
      value: String(parsed.value),
      key: String(parsed.key),
    };
  } catch {
    return undefined;
  }
}

/** Counts newlines as they pass, a cheap estimate of rows for progress bars (quoted newlines overcount). */
function lineCounter(onProgress: ((rows: number) => void) | undefined): Transform {
  let lines = 0;
  let lastReported = 0;

  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      if (onProgress) {
        const newline = typeof chunk === 'string' ? '\n' : 10;
        for (let at = chunk.indexOf(newline as never); at !== -1; at = chunk.indexOf(newline as never, at + 1)) {
          lines += 1;
        }
        if (lines - lastReported >= 10_000) {
          lastReported = lines;
          onProgress(lines);
        }
      }
      callback(null, chunk);
    },
  });
}
