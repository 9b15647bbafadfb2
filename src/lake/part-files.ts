import { link, mkdir, readdir, rename, rm, copyFile } from 'node:fs/promises';
import path from 'node:path';

import type { DuckdbSession } from '../engine/duckdb-session.js';
import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';

/**
 * Silver and quarantine of a table are folders of part files, each containing the rows of one
 * range of primary key values. A delta rewrites only the parts its keys fall into and links the
 * others from the previous snapshot, so its cost follows the changed rows instead of the
 * table's size. Both folders use the table's one split.
 *
 *   silver/<table>/p<part>-<run>.parquet     rows whose key lies in [part × width, (part + 1) × width)
 *   silver/<table>/all-<run>.parquet         the whole table, when the key is not one integer column
 *   silver/<table>/empty-<run>.parquet       no rows, but the columns
 *   quarantine/<table>/nullkey-<run>.parquet rows whose key is NULL, which only quarantine has
 *   quarantine/<table>/…                     the same names for the quarantined rows
 */
export interface SilverPartitioning {
  /** The single integer primary key column. */
  column: string;
  /** Key values per part, as decimal text so that 64-bit keys keep every bit. */
  width: string;
}

/** Rows per part at the full load that chose its width, unless `silver_part_rows` sets another number. */
export const ROWS_PER_SILVER_PART = 131_072;

const INTEGER_KEY_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT']);

const PART_COLUMN = '__aurora_part';

/** Returns the glob of a table's silver files, relative to the snapshot folder. */
export function silverGlob(table: string): string {
  return path.join('silver', table, '*.parquet');
}

/** Returns the folder of a table's silver files, relative to the snapshot folder. */
export function silverFolder(table: string): string {
  return path.join('silver', table);
}

/** Returns the glob of a table's quarantine files, relative to the snapshot folder. */
export function quarantineGlob(table: string): string {
  return path.join('quarantine', table, '*.parquet');
}

/** Returns the folder of a table's quarantine files, relative to the snapshot folder. */
export function quarantineFolder(table: string): string {
  return path.join('quarantine', table);
}

/**
 * Builds the part number of a key as SQL. It uses floor division, so negative keys get parts
 * of their own instead of sharing part 0 with the positive ones.
 */
export function partNumberSql(keySql: string, width: string): string {
  // The width comes from a manifest file and goes into SQL text, so it must be a plain number.
  if (!/^[1-9]\d{0,37}$/.test(width)) {
    throw new RangeError(`invalid silver part width ${JSON.stringify(width)} in the snapshot manifest: expected a positive integer`);
  }
  const key = `CAST(${keySql} AS HUGEINT)`;
  return `CASE WHEN ${key} >= 0 THEN ${key} // ${width} ELSE -((-${key} - 1) // ${width}) - 1 END`;
}

/**
 * Chooses how to split a table's silver: by ranges of its key when the key is one integer
 * column, wide enough that a part contains about `rowsPerPart` rows today.
 */
export async function choosePartitioning(
  session: DuckdbSession,
  relation: string,
  primaryKey: readonly string[],
  columnTypes: ReadonlyMap<string, string>,
  rowsPerPart: number = ROWS_PER_SILVER_PART,
): Promise<SilverPartitioning | undefined> {
  const [column] = primaryKey;
  if (primaryKey.length !== 1 || column === undefined || !INTEGER_KEY_TYPES.has(columnTypes.get(column) ?? '')) {
    return undefined;
  }

  const key = `CAST(${quoteIdentifier(column)} AS HUGEINT)`;
  const [row] = await session.queryText(
    `SELECT CAST(CAST(greatest(1, ceil((max(${key}) - min(${key}) + 1) * ${Math.trunc(rowsPerPart)} / greatest(count(${key}), 1))) AS HUGEINT) AS VARCHAR) AS width FROM ${relation}`,
  );
  // An empty table has no range to measure; its parts get the nominal size.
  return { column, width: row?.width ?? String(Math.trunc(rowsPerPart)) };
}

/**
 * Writes the rows of `select` into a silver or quarantine folder as part files named after this
 * run. A result without rows still gets one empty file, because readers glob the folder and
 * need the columns, unless carried parts provide them (`folderHasOtherFiles`).
 */
export async function writePartFiles(
  session: DuckdbSession,
  select: string,
  folder: string,
  runId: string,
  partitioning: SilverPartitioning | undefined,
  folderHasOtherFiles = false,
): Promise<void> {
  await mkdir(folder, { recursive: true });

  if (!partitioning) {
    await session.run(`COPY (${select}) TO ${quoteLiteral(path.join(folder, `all-${runId}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
    return;
  }

  const staging = path.join(folder, `.staging-${runId}`);
  await rm(staging, { recursive: true, force: true });
  const part = partNumberSql(`s.${quoteIdentifier(partitioning.column)}`, partitioning.width);
  await session.run(
    `COPY (SELECT s.*, ${part} AS ${PART_COLUMN} FROM (${select}) s) TO ${quoteLiteral(staging)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${PART_COLUMN}), FILENAME_PATTERN 'f{i}')`,
  );

  // DuckDB writes hive folders (__aurora_part=7/f0.parquet); readers glob one flat folder, and
  // a hive path would add the part as a column, so the files move up with the part in the name.
  // Rows with a NULL key (only quarantine has them) land in DuckDB's default partition.
  let written = 0;
  for (const entry of await readdir(staging, { withFileTypes: true }).catch(() => [])) {
    const match = new RegExp(`^${PART_COLUMN}=(-?\\d+|__HIVE_DEFAULT_PARTITION__)$`).exec(entry.name);
    if (!entry.isDirectory() || !match?.[1]) {
      throw new Error(`unexpected entry ${entry.name} among the part files DuckDB wrote to ${staging}`);
    }
    const prefix = /^-?\d+$/.test(match[1]) ? `p${match[1]}` : 'nullkey';
    const files = (await readdir(path.join(staging, entry.name))).filter((name) => name.endsWith('.parquet')).sort();
    for (const [index, name] of files.entries()) {
      const suffix = files.length > 1 ? `-${index}` : '';
      await rename(path.join(staging, entry.name, name), path.join(folder, `${prefix}-${runId}${suffix}.parquet`));
      written += 1;
    }
  }
  await rm(staging, { recursive: true, force: true });

  if (written === 0 && !folderHasOtherFiles) {
    await session.run(`COPY (SELECT * FROM (${select}) LIMIT 0) TO ${quoteLiteral(path.join(folder, `empty-${runId}.parquet`))} (FORMAT parquet)`);
  }
}

/** A part file and the key range it covers; `part` is undefined for whole-table and empty files. */
export interface PartFile {
  file: string;
  part?: bigint;
}

/**
 * Lists the part files of a folder in key order: parts by number, then the files that cover no
 * single part, each group by name. The order is stable, so row ids and API positions are too.
 */
export async function listPartFiles(folder: string): Promise<PartFile[]> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.parquet')).sort();
  const files = names.map((name): PartFile => {
    const match = /^p(-?\d+)-/.exec(name);
    return { file: path.join(folder, name), ...(match?.[1] !== undefined ? { part: BigInt(match[1]) } : {}) };
  });
  // Array sort is stable, so files of the same part keep their name order.
  return files.sort((left, right) => {
    if (left.part === undefined || right.part === undefined) {
      return Number(left.part === undefined) - Number(right.part === undefined);
    }
    if (left.part === right.part) {
      return 0;
    }
    return left.part < right.part ? -1 : 1;
  });
}

/**
 * Puts an unchanged part of the previous snapshot into the new one. A hard link costs no copy
 * and keeps the data when retention later removes the old snapshot; file systems without
 * links get a copy.
 */
export async function carryPartFile(file: string, folder: string): Promise<void> {
  const target = path.join(folder, path.basename(file));
  await link(file, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') {
      throw error;
    }
    await copyFile(file, target);
  });
}

/**
 * Lists the silver or quarantine files of a snapshot's table from its manifest entry: a glob
 * over the part folder, or the single file that snapshots written before the part layout have.
 */
export async function resolvePartFiles(snapshotFolder: string, manifestFile: string): Promise<PartFile[]> {
  if (path.basename(manifestFile) === '*.parquet') {
    return listPartFiles(path.join(snapshotFolder, path.dirname(manifestFile)));
  }
  return [{ file: path.join(snapshotFolder, manifestFile) }];
}
