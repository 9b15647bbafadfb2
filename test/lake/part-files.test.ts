import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { DuckdbSession } from '../../src/engine/duckdb-session.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { listPartFiles, partNumberSql, writePartFiles } from '../../src/lake/part-files.js';
import { tempFolder } from '../helpers/temp-folder.js';

test('part width from a manifest must be a number', () => {
  for (const width of ['0', '-5', '10; DROP TABLE x', '1.5', '']) {
    assert.throws(() => partNumberSql('"ID"', width), /invalid silver part width/, width);
  }
  assert.match(partNumberSql('"ID"', '1000'), /\/\/ 1000/);
});

test('negative keys get parts of their own', async () => {
  const session = await DuckdbSession.open();
  try {
    const [row] = await session.queryText(
      `SELECT list(CAST(${partNumberSql('k', '10')} AS VARCHAR) ORDER BY k)::VARCHAR AS parts FROM (VALUES (-11), (-10), (-1), (0), (9), (10)) v(k)`,
    );
    assert.equal(row?.parts, '[-2, -1, -1, 0, 0, 1]');
  } finally {
    session.close();
  }
});

test('an empty silver still gets one file', async (t) => {
  const folder = path.join(tempFolder(t), 'silver', 'T');
  const session = await DuckdbSession.open();
  try {
    await writePartFiles(session, 'SELECT CAST(1 AS BIGINT) AS ID WHERE false', folder, 'run1', { column: 'ID', width: '100' });
    assert.deepEqual(readdirSync(folder), ['empty-run1.parquet']);
    const [row] = await session.queryText(`SELECT CAST(count(*) AS VARCHAR) AS n FROM read_parquet(${quoteLiteral(path.join(folder, '*.parquet'))})`);
    assert.equal(row?.n, '0');
  } finally {
    session.close();
  }
});

test('part files list in key order', async (t) => {
  const folder = tempFolder(t);
  for (const name of ['p10-r1.parquet', 'p2-r2.parquet', 'nullkey-r1.parquet', 'p-3-r1.parquet', 'p2-r1.parquet', 'notes.txt']) {
    writeFileSync(path.join(folder, name), '');
  }
  const listed = await listPartFiles(folder);
  assert.deepEqual(
    listed.map((entry) => path.basename(entry.file)),
    ['p-3-r1.parquet', 'p2-r1.parquet', 'p2-r2.parquet', 'p10-r1.parquet', 'nullkey-r1.parquet'],
  );
  assert.deepEqual(
    listed.map((entry) => entry.part),
    [-3n, 2n, 2n, 10n, undefined],
  );
});

test('rows with a NULL key get their own file', async (t) => {
  const folder = tempFolder(t);
  const session = await DuckdbSession.open();
  try {
    await writePartFiles(session, 'SELECT * FROM (VALUES (1, 5), (NULL, 6), (2500, 7)) v("ID", n)', folder, 'r1', { column: 'ID', width: '1000' });
    assert.deepEqual(readdirSync(folder).sort(), ['nullkey-r1.parquet', 'p0-r1.parquet', 'p2-r1.parquet']);
    const [row] = await session.queryText(`SELECT CAST(count(*) AS VARCHAR) AS n FROM read_parquet(${quoteLiteral(path.join(folder, '*.parquet'))})`);
    assert.equal(row?.n, '3', 'no row is lost');
  } finally {
    session.close();
  }
});
