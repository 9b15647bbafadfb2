import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { AuroraError } from '../../src/errors/aurora-error.js';
import { LakeLock } from '../../src/lake/lake-lock.js';
import { tempFolder } from '../helpers/temp-folder.js';

test('second lock on the same lake is LAKE_BUSY while the first is held', async (t) => {
  const lake = tempFolder(t);
  writeFileSync(path.join(lake, '.lock'), String(process.ppid));

  await assert.rejects(LakeLock.acquire(lake), (error: unknown) => {
    assert.ok(error instanceof AuroraError);
    assert.equal(error.code, 'LAKE_BUSY');
    assert.match(error.render('en'), new RegExp(`process ${process.ppid}`));
    return true;
  });
  assert.deepEqual(readdirSync(lake), ['.lock'], 'no temporary files are left');
});

test('a lock of a dead process is taken over and released', async (t) => {
  const lake = tempFolder(t);
  writeFileSync(path.join(lake, '.lock'), '2147483646');

  const lock = await LakeLock.acquire(lake);
  assert.equal(readdirSync(lake).join(','), '.lock');
  await lock.release();
  assert.equal(existsSync(path.join(lake, '.lock')), false);
});

test('an empty lock file is treated as stale', async (t) => {
  const lake = tempFolder(t);
  writeFileSync(path.join(lake, '.lock'), '');
  const lock = await LakeLock.acquire(lake);
  await lock.release();
});

test('concurrent acquisitions: exactly one wins', async (t) => {
  const lake = tempFolder(t);
  const { spawn } = await import('node:child_process');
  const script = `import { LakeLock } from ${JSON.stringify(path.resolve('src/lake/lake-lock.ts'))};
try { await LakeLock.acquire(process.argv[1]); console.log('won'); await new Promise((r) => setTimeout(r, 1500)); } catch (e) { console.log(e.code); }`;
  const runs = Array.from({ length: 6 }, () =>
    new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, lake], { stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('close', () => resolve(output.trim()));
    }),
  );
  const outcomes = await Promise.all(runs);
  assert.equal(outcomes.filter((outcome) => outcome === 'won').length, 1, outcomes.join(','));
  assert.equal(outcomes.filter((outcome) => outcome === 'LAKE_BUSY').length, 5, outcomes.join(','));
});
