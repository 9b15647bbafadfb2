import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import type { LocalizedText } from '../gold/load-models.js';
import type { Language } from '../i18n/language.js';
import type { LakeLayout } from '../lake/lake-layout.js';
import { resolvePartFiles } from '../lake/part-files.js';
import type { SnapshotManifest } from '../lake/snapshots.js';
import { RESERVED_COLUMN_PREFIX } from '../quality/validate-table.js';
import { ApiError } from './api-error.js';
import { withConnection } from './gold-models.js';
import { BoundParameters, decodeCursorJson, encodeCursorJson, invalidParameter, toApiValue, type ApiRow } from './keyset-page.js';
import { readQualityReport, validateRunId } from './lake-reader.js';

/** Table names as aurora.yaml admits them; anything else never reaches a file path. */
export const TABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Rule ids as the rules schema admits them. */
export const RULE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/** Column that read_parquet adds with `file_row_number = true`; unique and stable per file. */
const FILE_ROW_COLUMN = 'file_row_number';

/**
 * A row's position in its table's quarantine: the file's index in name order times 2^40 plus
 * the row's number in the file. A snapshot never changes, so positions are stable cursors.
 */
const POSITION_COLUMN = `${RESERVED_COLUMN_PREFIX}position`;
const POSITION_TEXT = `${RESERVED_COLUMN_PREFIX}position_text`;
const ROWS_PER_FILE = 2 ** 40;

export interface QuarantineRequest {
  runId: string;
  table?: string;
  rule?: string;
  limit: number;
  cursor?: string;
}

/** One failed rule of a quarantined row, with the message in the request's language. */
export interface QuarantineFailure {
  ruleId: string;
  type: string;
  severity: string;
  column: string | null;
  value: string | null;
  message: string;
}

export interface QuarantineRow {
  table: string;
  /** Primary key values as text; a NULL key part is null. */
  key: Record<string, string | null>;
  failures: QuarantineFailure[];
  /** The row as the source delivered it, typed as in the other row endpoints. */
  values: ApiRow;
}

export interface QuarantinePage {
  runId: string;
  rows: QuarantineRow[];
  nextCursor: string | null;
}

/** The end of a page: index of the table in the manifest and the file row number in it. */
interface QuarantinePosition {
  tableIndex: number;
  rowNumber: number;
}

const INVALID_CURSOR: LocalizedText = {
  de: 'der Cursor ist beschädigt oder gehört zu einer anderen Abfrage. Den nextCursor der vorigen Seite unverändert übergeben, mit demselben Lauf, table und rule.',
  en: 'the cursor is damaged or belongs to another query. Pass the previous page’s nextCursor unchanged, with the same run, table and rule.',
};

/**
 * Reads one page of the quarantined rows of a run's snapshot: the rows of one table, or of
 * every table in manifest order, optionally only those that failed one rule. Rows come in the
 * order the pipeline wrote them, so the cursor is the table and the row's position in its file.
 */
export async function queryQuarantinePage(source: { layout: LakeLayout; duckdb: DuckDBInstance }, request: QuarantineRequest, language: Language): Promise<QuarantinePage> {
  validateRunId(request.runId);
  const snapshotFolder = source.layout.snapshotFolder(request.runId);
  const manifest = await readSnapshotManifest(source.layout, request.runId);

  const tables = manifest.tables.map((entry) => entry.table);
  if (request.table !== undefined && !tables.includes(request.table)) {
    throw invalidParameter('table', {
      de: `Der Snapshot von Lauf ${request.runId} hat keine Tabelle ${JSON.stringify(request.table)}. Vorhanden: ${tables.join(', ')}.`,
      en: `The snapshot of run ${request.runId} has no table ${JSON.stringify(request.table)}. Present: ${tables.join(', ')}.`,
    });
  }
  if (request.rule !== undefined) {
    await checkRuleKnown(source, request, manifest, snapshotFolder);
  }

  const binding = { run: request.runId, table: request.table ?? null, rule: request.rule ?? null };
  const start = request.cursor === undefined ? { tableIndex: 0, rowNumber: -1 } : decodeQuarantineCursor(request.cursor, binding, manifest.tables.length);

  return withConnection(source.duckdb, async (connection) => {
    const rows: QuarantineRow[] = [];
    let last: QuarantinePosition | undefined;
    let hasMore = false;

    for (let tableIndex = start.tableIndex; tableIndex < manifest.tables.length && !hasMore; tableIndex += 1) {
      const entry = manifest.tables[tableIndex] as SnapshotManifest['tables'][number];
      if (request.table !== undefined && entry.table !== request.table) {
        continue;
      }
      const afterRow = tableIndex === start.tableIndex ? start.rowNumber : -1;
      // One row more than still needed shows whether another page follows.
      const needed = request.limit - rows.length + 1;
      fileInSnapshot(snapshotFolder, entry.quarantineFile);
      const files = (await resolvePartFiles(snapshotFolder, entry.quarantineFile)).map((part) => part.file);
      const read = await readQuarantineRows(connection, files, entry.table, afterRow, request.rule, needed, language);

      for (const row of read) {
        if (rows.length === request.limit) {
          hasMore = true;
          break;
        }
        rows.push(row.row);
        last = { tableIndex, rowNumber: row.rowNumber };
      }
    }

    const nextCursor = hasMore && last !== undefined ? encodeCursorJson({ r: binding.run, t: binding.table, u: binding.rule, p: [last.tableIndex, last.rowNumber] }) : null;
    return { runId: request.runId, rows, nextCursor };
  });
}

async function readSnapshotManifest(layout: LakeLayout, runId: string): Promise<SnapshotManifest> {
  try {
    return JSON.parse(await readFile(path.join(layout.snapshotFolder(runId), 'manifest.json'), 'utf8')) as SnapshotManifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }

  // A run record without a snapshot is a failed run or one that retention removed.
  try {
    await readFile(layout.runRecord(runId));
  } catch {
    throw new ApiError('RUN_NOT_FOUND', { runId });
  }
  throw new ApiError('QUARANTINE_NOT_FOUND', { runId });
}

function fileInSnapshot(snapshotFolder: string, relative: string): string {
  const file = path.resolve(snapshotFolder, relative);
  // The manifest is written by the pipeline, but a file outside the snapshot is never read.
  if (!file.startsWith(snapshotFolder + path.sep)) {
    throw new Error(`quarantine file ${relative} lies outside the snapshot folder ${snapshotFolder}`);
  }
  return file;
}

/**
 * Raises INVALID_PARAMETER unless the rule is one of the run's rules for the requested table
 * (or any table). The rules come from the run's report.json, which also lists rules without
 * failures. Without a report, the rule ids found in the quarantine files are used.
 */
async function checkRuleKnown(
  source: { layout: LakeLayout; duckdb: DuckDBInstance },
  request: QuarantineRequest,
  manifest: SnapshotManifest,
  snapshotFolder: string,
): Promise<void> {
  const inScope = (table: string): boolean => request.table === undefined || request.table === table;
  let known: string[];
  try {
    const report = (await readQualityReport(source.layout, request.runId)) as { tables?: { table: string; rules?: { ruleId: string }[] }[] };
    known = (report.tables ?? []).filter((table) => inScope(table.table)).flatMap((table) => (table.rules ?? []).map((rule) => rule.ruleId));
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'REPORT_NOT_FOUND')) {
      throw error;
    }
    const files = manifest.tables.filter((entry) => inScope(entry.table)).map((entry) => quoteLiteral(fileInSnapshot(snapshotFolder, entry.quarantineFile)));
    known = await withConnection(source.duckdb, async (connection) => {
      const failures = quoteIdentifier(`${RESERVED_COLUMN_PREFIX}failures`);
      const reader = await connection.runAndReadAll(`SELECT DISTINCT unnest(list_transform(${failures}, f -> f.rule_id)) FROM read_parquet([${files.join(', ')}], union_by_name = true)`);
      return reader.getRows().map((row) => String(row[0]));
    });
  }

  const unique = [...new Set(known)];
  if (!unique.includes(request.rule as string)) {
    const scope = request.table === undefined ? { de: 'dieses Laufs', en: 'of this run' } : { de: `der Tabelle ${request.table}`, en: `of table ${request.table}` };
    throw invalidParameter('rule', {
      de: `${JSON.stringify(request.rule)} ist keine Regel ${scope.de}. Vorhanden: ${unique.join(', ') || '(keine)'}.`,
      en: `${JSON.stringify(request.rule)} is not a rule ${scope.en}. Present: ${unique.join(', ') || '(none)'}.`,
    });
  }
}

async function readQuarantineRows(
  connection: DuckDBConnection,
  files: readonly string[],
  table: string,
  afterRow: number,
  rule: string | undefined,
  limit: number,
  language: Language,
): Promise<{ rowNumber: number; row: QuarantineRow }[]> {
  const positioned = files.map(
    (file, index) =>
      `SELECT *, CAST(${index} AS BIGINT) * ${ROWS_PER_FILE} + ${FILE_ROW_COLUMN} AS ${quoteIdentifier(POSITION_COLUMN)} FROM read_parquet(${quoteLiteral(file)}, file_row_number = true)`,
  );
  const relation = `(${positioned.join(' UNION ALL ')})`;
  const describe = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  const sourceColumns = describe
    .getRowObjectsJson()
    .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }))
    .filter((column) => !column.name.startsWith(RESERVED_COLUMN_PREFIX) && column.name !== FILE_ROW_COLUMN);

  const parameters = new BoundParameters();
  const failures = quoteIdentifier(`${RESERVED_COLUMN_PREFIX}failures`);
  const conditions = [`${quoteIdentifier(POSITION_COLUMN)} > CAST(${parameters.bind(afterRow)} AS BIGINT)`];
  if (rule !== undefined) {
    conditions.push(`len(list_filter(${failures}, f -> f.rule_id = ${parameters.bind(rule)})) > 0`);
  }
  const sql = [
    // A new name for the text, so that ORDER BY sorts by the number.
    `SELECT CAST(${quoteIdentifier(POSITION_COLUMN)} AS VARCHAR) AS ${quoteIdentifier(POSITION_TEXT)},`,
    `${quoteIdentifier(`${RESERVED_COLUMN_PREFIX}key`)}, ${failures}${sourceColumns.length > 0 ? ',' : ''}`,
    sourceColumns.map((column) => quoteIdentifier(column.name)).join(', '),
    `FROM ${relation}`,
    `WHERE ${conditions.join(' AND ')}`,
    `ORDER BY ${quoteIdentifier(POSITION_COLUMN)}`,
    `LIMIT ${parameters.bind(limit)}`,
  ].join('\n');

  const reader = await connection.runAndReadAll(sql, parameters.values);
  return reader.getRowObjectsJson().map((row) => {
    const values: ApiRow = {};
    for (const column of sourceColumns) {
      values[column.name] = toApiValue(row[column.name], column.type);
    }
    const keyText = row[`${RESERVED_COLUMN_PREFIX}key`];
    const failureList = (row[`${RESERVED_COLUMN_PREFIX}failures`] ?? []) as Record<string, string | null>[];
    return {
      rowNumber: Number(row[POSITION_TEXT]),
      row: {
        table,
        key: typeof keyText === 'string' ? (JSON.parse(keyText) as Record<string, string | null>) : {},
        failures: failureList.map((failure) => ({
          ruleId: String(failure.rule_id),
          type: String(failure.rule_type),
          severity: String(failure.severity),
          column: failure.column_name ?? null,
          value: failure.value ?? null,
          message: String((language === 'de' ? failure.message_de : failure.message_en) ?? ''),
        })),
        values,
      },
    };
  });
}

function decodeQuarantineCursor(text: string, binding: { run: string; table: string | null; rule: string | null }, tableCount: number): QuarantinePosition {
  const candidate = decodeCursorJson(text);
  const position = candidate?.p;
  const isPosition =
    Array.isArray(position) &&
    position.length === 2 &&
    Number.isSafeInteger(position[0]) &&
    Number.isSafeInteger(position[1]) &&
    (position[0] as number) >= 0 &&
    (position[0] as number) < tableCount &&
    (position[1] as number) >= 0;
  if (candidate === undefined || candidate.r !== binding.run || candidate.t !== binding.table || candidate.u !== binding.rule || !isPosition) {
    throw invalidParameter('cursor', INVALID_CURSOR);
  }
  return { tableIndex: position[0] as number, rowNumber: position[1] as number };
}
