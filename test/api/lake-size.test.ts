import assert from 'node:assert/strict';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { measureFolderBytes } from '../../src/api/lake-reader.js';
import { tempFolder } from '../helpers/temp-folder.js';

test('lake size counts a file linked into two snapshots once', async (t) => {
  const lake = tempFolder(t);
  const first = path.join(lake, 'snapshots', 'a', 'silver', 'T');
  const second = path.join(lake, 'snapshots', 'b', 'silver', 'T');
  mkdirSync(first, { recursive: true });
  mkdirSync(second, { recursive: true });
  writeFileSync(path.join(first, 'p0-a.parquet'), Buffer.alloc(1000));
  writeFileSync(path.join(second, 'p1-b.parquet'), Buffer.alloc(300));
  linkSync(path.join(first, 'p0-a.parquet'), path.join(second, 'p0-a.parquet'));

  assert.equal(await measureFolderBytes(lake), 1300);
});
