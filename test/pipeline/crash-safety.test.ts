import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import Database from 'better-sqlite3';

import { DuckdbSession } from '../../src/engine/duckdb-session.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import type { RunResult } from '../../src/pipeline/run-result.js';
import { runCli } from '../helpers/cli.js';
import { writeDeployment, type DeploymentFiles } from '../helpers/deployment.js';
import { tempFolder } from '../helpers/temp-folder.js';

const ROWS = 40_000;
const RULES = `table: T
rules:
  - id: amount_positive
    type: range
    column: AMOUNT
    min: 0
    min_inclusive: false
    message: { de: Betrag nicht positiv., en: Amount not positive. }
  - id: code_unique
    type: unique
    column: CODE
    message: { de: Code doppelt., en: Code duplicated. }
`;

/** Where to kill the run: after the first stderr line matching `after`, plus `delayMs`. */
const KILL_POINTS: { after: RegExp; delayMs: number }[] = [
  { after: /gestartet/, delayMs: 0 },
  { after: /gestartet/, delayMs: 40 },
  { after: /Partition 0 gelesen/, delayMs: 0 },
  { after: /Partition 0 gelesen/, delayMs: 30 },
  { after: /Partition 1 gelesen/, delayMs: 0 },
  { after: /Partition 1 gelesen/, delayMs: 20 },
  { after: /Partition 2 gelesen/, delayMs: 0 },
  { after: /Partition 2 gelesen/, delayMs: 25 },
  { after: /Partition 3 gelesen/, delayMs: 0 },
  { after: /in Bronze geschrieben/, delayMs: 0 },
  { after: /in Bronze geschrieben/, delayMs: 5 },
  { after: /Qualitätsregeln werden geprüft/, delayMs: 0 },
  { after: /Qualitätsregeln werden geprüft/, delayMs: 15 },
  { after: /Qualitätsregeln werden geprüft/, delayMs: 40 },
  { after: /Qualitätsregeln werden geprüft/, delayMs: 80 },
  { after: /Qualitätsregeln werden geprüft/, delayMs: 150 },
  { after: /Silver [\d.]+, Quarantäne/, delayMs: 0 },
  { after: /Silver [\d.]+, Quarantäne/, delayMs: 3 },
  { after: /Silver [\d.]+, Quarantäne/, delayMs: 10 },
  { after: /Snapshot .* veröffentlicht/, delayMs: 0 },
  { after: /Snapshot .* veröffentlicht/, delayMs: 5 },
  { after: /Snapshot .* veröffentlicht/, delayMs: 20 },
];

function createSource(folder: string): void {
  const db = new Database(path.join(folder, 'legacy.sqlite'));
  db.exec('CREATE TABLE T (ID INTEGER PRIMARY KEY, CODE TEXT, AMOUNT DECIMAL(12,2), NOTE TEXT)');
  const insert = db.prepare('INSERT INTO T VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let id = 1; id <= ROWS; id += 1) {
      insert.run(id, `C${id % 39_990}`, id % 97 === 0 ? '-1.00' : `${id}.25`, id % 5 === 0 ? null : `note ${id}`);
    }
  })();
  db.close();
}

/** Order-independent checksum of the published silver and quarantine, without the run id. */
async function publishedChecksum(lake: string): Promise<string> {
  const { snapshot } = JSON.parse(readFileSync(path.join(lake, 'CURRENT'), 'utf8')) as { snapshot: string };
  const folder = path.join(lake, snapshot);
  const session = await DuckdbSession.open();
  try {
    const [row] = await session.queryText(
      `SELECT CAST(count(*) AS VARCHAR) || ':' || CAST(bit_xor(hash(ID, CODE, AMOUNT, NOTE)) AS VARCHAR) AS silver,
              (SELECT CAST(count(*) AS VARCHAR) || ':' || CAST(bit_xor(hash(ID, CODE, AMOUNT, NOTE, _aurora_failures)) AS VARCHAR)
               FROM read_parquet(${quoteLiteral(path.join(folder, 'quarantine', 'T', '*.parquet'))})) AS quarantine
       FROM read_parquet(${quoteLiteral(path.join(folder, 'silver', 'T', '*.parquet'))})`,
    );
    return `${row?.silver}/${row?.quarantine}`;
  } finally {
    session.close();
  }
}

function killAt(files: DeploymentFiles, point: { after: RegExp; delayMs: number }, extraArgs: string[] = []): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'run', '--config', files.config, ...extraArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, AURORA_LANG: 'de' },
    });
    let output = '';
    let armed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!armed && point.after.test(output)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), point.delayMs);
      }
    });
    child.on('close', () => resolve(output));
  });
}

test('a run killed at 22 points ends, after a rerun, with the uninterrupted result', { timeout: 600_000 }, async (t) => {
  const folder = tempFolder(t);
  createSource(folder);
  const extra = 'parallelism: 1\npartitions: 4';
  const files = writeDeployment(folder, {
    source: 'type: sqlite\npath: legacy.sqlite',
    tables: '  - name: T\n    primary_key: ID',
    rules: { 't.yaml': RULES },
    extra,
  });

  const first = runCli(['run', '--config', files.config]);
  assert.equal(first.status, 0, first.stderr);
  const expected = await publishedChecksum(files.lake);

  let resumedRuns = 0;
  for (const point of KILL_POINTS) {
    await killAt(files, point);
    assert.equal(await publishedChecksum(files.lake), expected, `published state readable and intact after a kill at ${point.after} +${point.delayMs} ms`);

    const rerun = runCli(['run', '--config', files.config]);
    assert.equal(rerun.status, 0, `rerun after a kill at ${point.after} +${point.delayMs} ms: ${rerun.stderr}`);
    assert.equal(await publishedChecksum(files.lake), expected, `result after a kill at ${point.after} +${point.delayMs} ms`);
    if (/aus dem abgebrochenen Lauf übernommen/.test(rerun.stderr)) {
      resumedRuns += 1;
    }
  }
  assert.ok(resumedRuns >= 5, `killed extractions are resumed from finished partitions (${resumedRuns} times)`);
});

test('a delta killed at 8 points ends, after a rerun, with the uninterrupted result', { timeout: 600_000 }, async (t) => {
  await killDeltaAtEightPoints(t, '\n    watermark_column: ID');
});

test('a delta by row hash killed at 8 points', { timeout: 600_000 }, async (t) => {
  await killDeltaAtEightPoints(t, '');
});

/** Kills a delta of T (read by watermark, or in full and compared by row hash) at eight points. */
async function killDeltaAtEightPoints(t: TestContext, watermarkOption: string): Promise<void> {
  const folder = tempFolder(t);
  createSource(folder);
  const files = writeDeployment(folder, {
    source: 'type: sqlite\npath: legacy.sqlite',
    tables: `  - name: T\n    primary_key: ID${watermarkOption}`,
    rules: { 't.yaml': RULES },
    extra: 'parallelism: 1\npartitions: 4',
  });
  const first = runCli(['run', '--config', files.config]);
  assert.equal(first.status, 0, first.stderr);

  // New rows past the watermark, one of them breaking a rule, as a delta would find them.
  const db = new Database(path.join(folder, 'legacy.sqlite'));
  db.exec(`INSERT INTO T VALUES (${ROWS + 1}, 'N1', '5.00', NULL), (${ROWS + 2}, 'N2', '-5.00', 'x')`);
  db.close();

  const reference = tempFolder(t);
  const referenceFiles = writeDeployment(reference, {
    source: `type: sqlite\npath: ${JSON.stringify(path.join(folder, 'legacy.sqlite'))}`,
    tables: '  - name: T\n    primary_key: ID',
    rules: { 't.yaml': RULES },
  });
  assert.equal(runCli(['run', '--config', referenceFiles.config]).status, 0);
  const expected = await publishedChecksum(referenceFiles.lake);

  const deltaKillPoints = [
    { after: /gestartet/, delayMs: 0 },
    { after: /gestartet/, delayMs: 30 },
    { after: /Partition 0 gelesen/, delayMs: 0 },
    { after: /Qualitätsregeln werden geprüft/, delayMs: 0 },
    { after: /Qualitätsregeln werden geprüft/, delayMs: 40 },
    { after: /Qualitätsregeln werden geprüft/, delayMs: 120 },
    { after: /Silver [\d.]+, Quarantäne/, delayMs: 5 },
    { after: /Snapshot .* veröffentlicht/, delayMs: 0 },
  ];
  for (const point of deltaKillPoints) {
    await killAt(files, point, ['--mode', 'delta']);
    const rerun = runCli(['run', '--config', files.config, '--mode', 'delta']);
    assert.equal(rerun.status, 0, `delta rerun after a kill at ${point.after} +${point.delayMs} ms: ${rerun.stderr}`);
    assert.equal(await publishedChecksum(files.lake), expected, `delta result after a kill at ${point.after} +${point.delayMs} ms`);
  }

  const records = readdirSync(path.join(files.lake, 'runs')).sort();
  const newest = JSON.parse(readFileSync(path.join(files.lake, 'runs', records.at(-1) ?? ''), 'utf8')) as RunResult;
  assert.ok(newest.tables[0]?.delta?.incremental, 'the reruns checked only the changed rows, so the kills hit the incremental path');
}
