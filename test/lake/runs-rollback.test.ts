import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import Database from 'better-sqlite3';

import { runCli } from '../helpers/cli.js';
import { readPublishedState, writeDeployment, type DeploymentFiles } from '../helpers/deployment.js';
import { tempFolder } from '../helpers/temp-folder.js';

/** A deployment whose source grows by ten rows before each run, so every snapshot differs. */
function deployment(t: TestContext, extra = ''): { files: DeploymentFiles; addRows: () => void } {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const db = new Database(database);
  db.exec('CREATE TABLE T (ID INTEGER PRIMARY KEY, V TEXT)');
  db.close();

  let next = 1;
  const addRows = (): void => {
    const writer = new Database(database);
    const insert = writer.prepare('INSERT INTO T VALUES (?, ?)');
    for (let i = 0; i < 10; i += 1, next += 1) {
      insert.run(next, `v${next}`);
    }
    writer.close();
  };
  const files = writeDeployment(folder, { source: 'type: sqlite\npath: legacy.sqlite', tables: '  - name: T\n    primary_key: ID', extra });
  return { files, addRows };
}

function load(files: DeploymentFiles): string {
  const result = runCli(['run', '--config', files.config, '--json']);
  assert.equal(result.status, 0, result.stderr);
  return (JSON.parse(result.stdout) as { runId: string }).runId;
}

test('runs lists runs newest first and marks the published one', (t) => {
  const { files, addRows } = deployment(t);
  addRows();
  const first = load(files);
  addRows();
  const second = load(files);

  const listed = runCli(['runs', '--config', files.config, '--json']);
  assert.equal(listed.status, 0, listed.stderr);
  const { runs, lastKnownGood } = JSON.parse(listed.stdout) as { runs: { runId: string; current: boolean; silverRows: number }[]; lastKnownGood: string };
  assert.deepEqual(
    runs.map((run) => [run.runId, run.current, run.silverRows]),
    [
      [second, true, 20],
      [first, false, 10],
    ],
  );
  assert.equal(lastKnownGood, second);

  const text = runCli(['runs', '--config', files.config]);
  assert.match(text.stdout, /^Lauf-ID\s+Modus\s+Beginn/m);
  assert.match(text.stdout, new RegExp(`^${second}\\s+Full Load\\s+.*\\s20\\s+0\\s+veröffentlicht$`, 'm'));
});

test('rollback publishes an earlier snapshot again', async (t) => {
  const { files, addRows } = deployment(t);
  addRows();
  const first = load(files);
  const firstState = await readPublishedState(files.lake);
  addRows();
  load(files);

  const result = runCli(['rollback', '--config', files.config, '--to', first]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`Snapshot ${first} ist wieder veröffentlicht`));
  const restored = await readPublishedState(files.lake);
  assert.deepEqual(restored.silverRows, firstState.silverRows);
  assert.match(readFileSync(path.join(files.lake, 'history.jsonl'), 'utf8'), new RegExp(`"action":"rollback".*"to":"${first}"`));

  const again = runCli(['--lang', 'en', 'rollback', '--config', files.config, '--to', first]);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /already published; nothing changed/);
});

test('rollback to an unknown run is rejected', (t) => {
  const { files, addRows } = deployment(t);
  addRows();
  load(files);

  for (const runId of ['20990101T000000Z-abcdef', '../../etc']) {
    const result = runCli(['rollback', '--config', files.config, '--to', runId]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /\[RUN_NOT_FOUND\]/);
  }
});

test('rollback to a failed run is rejected', (t) => {
  const { files, addRows } = deployment(t);
  addRows();
  load(files);
  writeFileSync(path.join(files.rules, 't.yaml'), 'table: T\nmax_quarantine_ratio: 0\nrules:\n  - id: v_is_x\n    type: accepted_values\n    column: V\n    values: [x]\n    message: { de: x, en: x }\n');
  const failed = runCli(['run', '--config', files.config, '--json']);
  assert.equal(failed.status, 6);
  const failedRun = (JSON.parse(failed.stdout) as { runId: string }).runId;

  const result = runCli(['rollback', '--config', files.config, '--to', failedRun]);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /\[RUN_NOT_RESTORABLE\].*fehlgeschlagen/);
});

test('retention removes old snapshots but keeps the published and last known-good', (t) => {
  const { files, addRows } = deployment(t, 'retention_days: 0');
  const runs: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    addRows();
    runs.push(load(files));
  }
  const [first, second, third] = runs;

  const snapshots = readdirSync(path.join(files.lake, 'snapshots')).sort();
  assert.deepEqual(snapshots, [second, third]);
  assert.equal(existsSync(path.join(files.lake, 'bronze', 'T', first ?? '')), false, 'bronze of the removed run is gone');
  assert.ok(existsSync(path.join(files.lake, 'runs', `${first}.json`)), 'the run record stays');

  const result = runCli(['rollback', '--config', files.config, '--to', first ?? '']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /\[RUN_NOT_RESTORABLE\].*Aufbewahrungsfrist/);
});

test('retention removes the bronze files of old failed runs', (t) => {
  const { files, addRows } = deployment(t, 'retention_days: 0');
  addRows();
  load(files);
  writeFileSync(path.join(files.rules, 't.yaml'), 'table: T\nmax_quarantine_ratio: 0\nrules:\n  - id: v_is_x\n    type: accepted_values\n    column: V\n    values: [x]\n    message: { de: x, en: x }\n');
  const failed = runCli(['run', '--config', files.config, '--json']);
  assert.equal(failed.status, 6);
  const failedRun = (JSON.parse(failed.stdout) as { runId: string }).runId;
  assert.ok(existsSync(path.join(files.lake, 'bronze', 'T', failedRun)));

  writeFileSync(path.join(files.rules, 't.yaml'), 'table: T\nrules: []\n');
  load(files);
  assert.equal(existsSync(path.join(files.lake, 'bronze', 'T', failedRun)), false);
  assert.ok(existsSync(path.join(files.lake, 'runs', `${failedRun}.json`)), 'the failed run stays on record');
});
