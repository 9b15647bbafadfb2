import { PassThrough, Readable } from 'node:stream';

import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';

import type { Language } from '../i18n/language.js';
import { CSV_DIALECT, quoteCsv, xlsxCell, type ExportColumn } from './export-cells.js';
import { csvLinesSql } from './export-csv.js';
import { selectionSql, toApiValue, type ApiValue, type RowSelection } from './keyset-page.js';

export type ExportFormat = 'csv' | 'xlsx';

export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  csv: 'text/csv; charset=utf-8; header=present',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Byte order mark, so that Excel reads the CSV as UTF-8 and not in the Windows code page. */
const UTF8_BOM = '\uFEFF';

/**
 * Opens a connection of its own for one export stream and closes it when the stream ends or is
 * abandoned. TIMESTAMP WITH TIME ZONE text is in UTC, as in the JSON endpoints.
 */
async function* withExportConnection<T>(duckdb: DuckDBInstance, work: (connection: DuckDBConnection) => AsyncGenerator<T>): AsyncGenerator<T> {
  const connection = await duckdb.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    yield* work(connection);
  } finally {
    connection.closeSync();
  }
}

/** Streams the rows of a selection, one array of rows per DuckDB chunk (2048 rows), values in column order. */
export function streamSelectionRows(duckdb: DuckDBInstance, selection: RowSelection): AsyncGenerator<ApiValue[][]> {
  return withExportConnection(duckdb, async function* (connection) {
    const result = await connection.stream(selectionSql(selection), selection.parameters.values);
    for await (const rows of result.yieldRowsJson()) {
      yield rows.map((row) => selection.columns.map((column, index) => toApiValue(row[index], column.type)));
    }
  });
}

/** Streams the selection as CSV lines that DuckDB formats (see export-csv.ts), one text per chunk. */
export function streamCsvLines(duckdb: DuckDBInstance, selection: RowSelection, language: Language): AsyncGenerator<string> {
  return withExportConnection(duckdb, async function* (connection) {
    const result = await connection.stream(csvLinesSql(selection, language), selection.parameters.values);
    for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      yield (chunk.getColumnValues(0) as string[]).join('');
    }
  });
}

/**
 * Returns the CSV as a stream: BOM, header line, then the lines of `lines` (CRLF line ends,
 * RFC 4180). `onComplete` runs after the last line, not when a client disconnects early.
 */
export function csvStream(columns: readonly ExportColumn[], lines: AsyncIterable<string>, language: Language, onComplete: () => void): Readable {
  const separator = CSV_DIALECT[language].separator;

  async function* file(): AsyncGenerator<string> {
    yield `${UTF8_BOM}${columns.map((column) => quoteCsv(column.header, separator)).join(separator)}\r\n`;
    yield* lines;
    onComplete();
  }
  return Readable.from(file());
}

/**
 * Returns the XLSX workbook as a stream, written with exceljs' streaming writer: one sheet
 * with a bold, frozen header row and one row per lake row. A failure while writing destroys
 * the stream, so the client sees a broken download rather than a truncated file.
 * NOTE: exceljs buffers the compressed sheet internally and ignores back-pressure from a
 * slow client; the export row cap bounds that buffer. Its styled cells are slow: about 20 s for
 * 104,387 ERP orders of 14 columns on a shared 2-core development machine, against 2 s for CSV.
 */
export function xlsxStream(columns: readonly ExportColumn[], rows: AsyncIterable<ApiValue[][]>, language: Language, sheetName: string, onComplete: () => void): Readable {
  const output = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Aurora';
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((column) => ({ header: column.header, key: column.name, width: Math.min(40, Math.max(10, column.header.length + 2)) }));
  sheet.getRow(1).font = { bold: true };

  const write = async (): Promise<void> => {
    sheet.getRow(1).commit();
    for await (const chunk of rows) {
      for (const row of chunk) {
        const sheetRow = sheet.addRow([]);
        columns.forEach((column, index) => {
          const cell = xlsxCell(row[index] ?? null, column, language);
          const target = sheetRow.getCell(index + 1);
          target.value = cell.value;
          if (cell.numFmt !== undefined) {
            target.numFmt = cell.numFmt;
          }
        });
        sheetRow.commit();
      }
      if (!(await waitForDrain(output))) {
        // The client went away; leaving the loop closes the DuckDB connection.
        return;
      }
    }
    sheet.commit();
    await workbook.commit();
    onComplete();
  };

  write().catch((error: unknown) => {
    output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return output;
}

/** Waits until the stream wants more data; returns false when it was destroyed instead. */
async function waitForDrain(stream: PassThrough): Promise<boolean> {
  if (stream.writableNeedDrain) {
    await new Promise<void>((resolve) => {
      const settle = (): void => {
        stream.off('drain', settle);
        stream.off('close', settle);
        resolve();
      };
      stream.on('drain', settle);
      stream.on('close', settle);
    });
  }
  return !stream.destroyed;
}
