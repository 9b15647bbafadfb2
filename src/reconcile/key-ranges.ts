import type { DuckdbSession } from '../engine/duckdb-session.js';
import { quoteIdentifier } from '../engine/sql-text.js';
import { LEAF_RANGE_KEYS } from './types.js';

/**
 * Columns of the per-row table that `compareKeyRanges` reads. The `_aurora_` prefix cannot
 * clash with source columns, because a load rejects source columns with that prefix.
 */
export const SIDE_COLUMN = '_aurora_side';
export const POSITION_COLUMN = '_aurora_pos';
export const HASH_COLUMN = '_aurora_hash';

/** `SIDE_COLUMN` values. */
export const SOURCE_SIDE = 0;
export const TARGET_SIDE = 1;

export interface KeyRangeOutcome {
  rangesChecked: number;
  rangesDiffering: number;
  subrangesChecked: number;
  /** Positions of the keys whose rows differ, in key order, at most `limit`. */
  listedPositions: number[];
  differingKeys: number;
}

/**
 * Compares the two sides of `rowsTable` range by range. Each row carries its side, the
 * position of its primary key in the sorted union of keys of both sides (so the same key has
 * the same position on both sides) and a hash over all its source columns. A range matches
 * when both sides have the same row count and the same sum of hashes, which does not depend
 * on row order. Differing ranges are halved until they hold at most `LEAF_RANGE_KEYS` keys,
 * whose keys are then compared one by one.
 *
 * Ranges are aligned to powers of two times `LEAF_RANGE_KEYS`, so every level is one
 * `GROUP BY position // width` over the rows of the parent ranges that differed.
 */
export async function compareKeyRanges(
  session: DuckdbSession,
  rowsTable: string,
  keyCount: number,
  topLevelRanges: number,
  limit: number,
): Promise<KeyRangeOutcome> {
  if (keyCount === 0) {
    return { rangesChecked: 0, rangesDiffering: 0, subrangesChecked: 0, listedPositions: [], differingKeys: 0 };
  }

  const differing = quoteIdentifier(`${rowsTable}_differing`);
  const rows = quoteIdentifier(rowsTable);
  const position = quoteIdentifier(POSITION_COLUMN);
  let width = topLevelWidth(keyCount, topLevelRanges);

  await session.run(
    `CREATE OR REPLACE TEMP TABLE ${differing} AS SELECT ${position} // ${width} AS bucket FROM ${rows} GROUP BY bucket HAVING ${DIFFERS}`,
  );
  const rangesChecked = Math.ceil(keyCount / width);
  const rangesDiffering = await countRows(session, differing);

  let subrangesChecked = 0;
  while (width > LEAF_RANGE_KEYS && (await countRows(session, differing)) > 0) {
    const half = width / 2;
    const children = quoteIdentifier(`${rowsTable}_children`);
    await session.run(
      `CREATE OR REPLACE TEMP TABLE ${children} AS
       SELECT r.${position} // ${half} AS child, ${DIFFERS} AS differs
       FROM ${rows} r JOIN ${differing} d ON r.${position} // ${width} = d.bucket
       GROUP BY child`,
    );
    subrangesChecked += await countRows(session, children);
    await session.run(`CREATE OR REPLACE TEMP TABLE ${differing} AS SELECT child AS bucket FROM ${children} WHERE differs`);
    await session.run(`DROP TABLE ${children}`);
    width = half;
  }

  const perKey = `SELECT r.${position} AS position, ${DIFFERS} AS differs
    FROM ${rows} r JOIN ${differing} d ON r.${position} // ${width} = d.bucket
    GROUP BY r.${position}`;
  const [total] = await session.queryText(`SELECT CAST(count(*) FILTER (WHERE differs) AS VARCHAR) AS n FROM (${perKey})`);
  const listed = await session.queryText(
    `SELECT CAST(position AS VARCHAR) AS position FROM (${perKey}) WHERE differs ORDER BY position LIMIT ${limit}`,
  );
  await session.run(`DROP TABLE ${differing}`);

  return {
    rangesChecked,
    rangesDiffering,
    subrangesChecked,
    listedPositions: listed.map((row) => Number(row.position)),
    differingKeys: Number(total?.n ?? 0),
  };
}

/**
 * Returns the width of the top-level ranges: the smallest `LEAF_RANGE_KEYS * 2^k` that covers
 * all keys in at most `topLevelRanges` ranges.
 */
export function topLevelWidth(keyCount: number, topLevelRanges: number): number {
  const minimumWidth = Math.ceil(keyCount / Math.max(1, topLevelRanges));
  let width = LEAF_RANGE_KEYS;
  while (width < minimumWidth) {
    width *= 2;
  }
  return width;
}

const side = quoteIdentifier(SIDE_COLUMN);
const hash = quoteIdentifier(HASH_COLUMN);

/** True for a group whose sides differ in row count or in the sum of row hashes. */
const DIFFERS = `(count(*) FILTER (WHERE ${side} = ${SOURCE_SIDE}) <> count(*) FILTER (WHERE ${side} = ${TARGET_SIDE})
  OR coalesce(sum(${hash}) FILTER (WHERE ${side} = ${SOURCE_SIDE}), 0) <> coalesce(sum(${hash}) FILTER (WHERE ${side} = ${TARGET_SIDE}), 0))`;

async function countRows(session: DuckdbSession, table: string): Promise<number> {
  const [row] = await session.queryText(`SELECT CAST(count(*) AS VARCHAR) AS n FROM ${table}`);
  return Number(row?.n ?? 0);
}
