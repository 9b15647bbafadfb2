import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

import Database from 'better-sqlite3';

import { runCli } from '../helpers/cli.js';
import { readPublishedState, writeDeployment, type DeploymentFiles } from '../helpers/deployment.js';
import { tempFolder } from '../helpers/temp-folder.js';

const RULES = `table: ORDERS
rules:
  - id: amount_positive
    type: range
    column: AMOUNT
    min: 0
    min_inclusive: false
    message: { de: Betrag nicht positiv., en: Amount not positive. }
`;

/** A small legacy database and a deployment that has published one good snapshot. */
async function publishedDeployment(t: TestContext): Promise<{ folder: string; database: string; files: DeploymentFiles }> {
  const folder = tempFolder(t);
  const database = path.join(folder, 'legacy.sqlite');
  const db = new Database(database);
  db.exec('CREATE TABLE ORDERS (ID INTEGER PRIMARY KEY, CUSTOMER TEXT, AMOUNT INTEGER, ORDERED DATE)');
  const insert = db.prepare('INSERT INTO ORDERS VALUES (?, ?, ?, ?)');
  for (let id = 1; id <= 50; id += 1) {
    insert.run(id, `C${id % 7}`, id % 10 === 0 ? -id : id * 3, '2025-01-15');
  }
  db.close();

  const files = writeDeployment(folder, {
    source: `type: sqlite\npath: legacy.sqlite`,
    tables: '  - name: ORDERS\n    primary_key: ID',
    rules: { 'orders.yaml': RULES },
    extra: 'partitions: 3',
  });

  const first = runCli(['run', '--config', files.config]);
  assert.equal(first.status, 0, first.stderr);
  const state = await readPublishedState(files.lake);
  assert.deepEqual(state.silverRows, { ORDERS: 45 });
  assert.deepEqual(state.quarantineRows, { ORDERS: 5 });
  return { folder, database, files };
}

/** Runs the CLI, expects the exit code and message, and checks the published state did not change. */
async function expectFailureKeepsState(
  files: DeploymentFiles,
  expected: { status: number; code: string; message: RegExp; args?: string[]; env?: NodeJS.ProcessEnv },
): Promise<string> {
  const before = await readPublishedState(files.lake);
  const result = runCli(['run', '--config', files.config, ...(expected.args ?? [])], expected.env);

  assert.equal(result.status, expected.status, `exit code; stderr: ${result.stderr}`);
  assert.match(result.stderr, new RegExp(`\\[${expected.code}\\]`));
  assert.match(result.stderr, expected.message);
  assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
  assert.deepEqual(await readPublishedState(files.lake), before, 'the published snapshot is unchanged');
  return result.stderr;
}

test('unreachable source', async (t) => {
  const { files } = await publishedDeployment(t);
  writeFileSync(
    files.config,
    'source:\n  type: postgres\n  url: postgres://aurora:${PW}@127.0.0.1:1/erp\nlake: lake\nrules: rules\ntables:\n  - name: ORDERS\n    primary_key: ID\n',
  );
  const stderr = await expectFailureKeepsState(files, {
    status: 3,
    code: 'SOURCE_UNREACHABLE',
    message: /Quelle postgres:\/\/aurora@127\.0\.0\.1:1\/erp ist nicht erreichbar.*ECONNREFUSED/,
    env: { PW: 'hunter2-secret' },
  });
  assert.doesNotMatch(stderr, /hunter2-secret/, 'the password never appears');

  const lakeText = spawnSync('grep', ['-r', '-l', 'hunter2-secret', files.lake], { encoding: 'utf8' });
  assert.equal(lakeText.stdout, '', 'no file in the lake holds the password');
  const logs = readdirSync(path.join(files.lake, 'logs'));
  const failedLog = logs.map((name) => readFileSync(path.join(files.lake, 'logs', name), 'utf8')).find((text) => text.includes('SOURCE_UNREACHABLE'));
  assert.ok(failedLog, 'the operators\' log records the failure');
  assert.match(failedLog, /"event":"run-finished","status":"failed"/);
});

test('table missing in the source', async (t) => {
  const { files } = await publishedDeployment(t);
  writeFileSync(files.config, readFileSyncText(files.config).replace('name: ORDERS', 'name: ORDERZ'));
  rmSync(path.join(path.dirname(files.config), 'rules', 'orders.yaml'));
  await expectFailureKeepsState(files, { status: 3, code: 'SOURCE_TABLE_NOT_FOUND', message: /Tabelle ORDERZ existiert in der Quelle .* nicht/ });
});

test('YAML syntax error in aurora.yaml, reported in English on request', async (t) => {
  const { files } = await publishedDeployment(t);
  writeFileSync(files.config, `${readFileSyncText(files.config)}\n  bad: [unclosed\n`);
  await expectFailureKeepsState(files, {
    status: 2,
    code: 'CONFIG_INVALID',
    message: /aurora\.yaml:\d+:\d+: YAML syntax error/,
    args: ['--lang', 'en'],
  });
});

test('rule on a column the table does not have', async (t) => {
  const { files } = await publishedDeployment(t);
  writeFileSync(path.join(files.rules, 'orders.yaml'), RULES.replace('column: AMOUNT', 'column: AMOUNTS'));
  const bronzeBefore = readdirSync(path.join(files.lake, 'bronze', 'ORDERS'));

  await expectFailureKeepsState(files, { status: 2, code: 'RULES_INVALID', message: /orders\.yaml:\d+ \(rules\[0\]\.column\).*AMOUNTS/s });
  assert.deepEqual(readdirSync(path.join(files.lake, 'bronze', 'ORDERS')), bronzeBefore, 'no data moved');
});

test('value that breaks its column type', async (t) => {
  const { files, database } = await publishedDeployment(t);
  const db = new Database(database);
  db.prepare("UPDATE ORDERS SET ORDERED = '2025-02-30' WHERE ID = 17").run();
  db.close();

  await expectFailureKeepsState(files, {
    status: 4,
    code: 'VALUE_TYPE_MISMATCH',
    message: /"2025-02-30" in ORDERS\.ORDERED \(Schlüssel 17\)/,
  });
});

test('quarantine above the threshold publishes nothing', async (t) => {
  const { files } = await publishedDeployment(t);
  writeFileSync(path.join(files.rules, 'orders.yaml'), RULES.replace('rules:', 'max_quarantine_ratio: 0.05\nrules:'));
  await expectFailureKeepsState(files, { status: 6, code: 'QUARANTINE_THRESHOLD_EXCEEDED', message: /ORDERS/ });
});

test('lake folder that is a file', async (t) => {
  const { files, folder } = await publishedDeployment(t);
  writeFileSync(path.join(folder, 'not-a-folder'), 'x');
  writeFileSync(files.config, readFileSyncText(files.config).replace('lake: lake', 'lake: not-a-folder/lake'));
  const result = runCli(['run', '--config', files.config]);
  assert.equal(result.status, 5, result.stderr);
  assert.match(result.stderr, /\[LAKE_PATH_NOT_FOLDER\].*ist eine Datei, kein Ordner/);
});

test('file in place of a lake subfolder stops the run before extraction', async (t) => {
  const { files } = await publishedDeployment(t);
  rmSync(path.join(files.lake, 'reports'), { recursive: true });
  writeFileSync(path.join(files.lake, 'reports'), 'x');
  const bronzeBefore = readdirSync(path.join(files.lake, 'bronze', 'ORDERS'));

  await expectFailureKeepsState(files, { status: 5, code: 'LAKE_PATH_NOT_FOLDER', message: /reports im Lake ist eine Datei/ });
  assert.deepEqual(readdirSync(path.join(files.lake, 'bronze', 'ORDERS')), bronzeBefore, 'no data moved');
});

test('read-only lake folder', async (t) => {
  const { files } = await publishedDeployment(t);
  if (process.getuid?.() === 0) {
    // root ignores permission bits, so the lake is put on a file system mounted read-only.
    const mounted = mountTmpfs(t, files.lake, 'ro');
    if (!mounted) {
      return;
    }
  } else {
    chmodSync(files.lake, 0o555);
    unmountBeforeCleanup.push(() => chmodSync(files.lake, 0o755));
  }
  try {
    await expectFailureKeepsState(files, { status: 5, code: 'LAKE_NOT_WRITABLE', message: /Lake-Ordner .* ist nicht beschreibbar/ });
  } finally {
    unmountAll();
  }
});

test('full lake folder', async (t) => {
  const { files } = await publishedDeployment(t);
  if (!mountTmpfs(t, files.lake, 'full')) {
    return;
  }
  try {
    await expectFailureKeepsState(files, { status: 5, code: 'LAKE_FULL', message: /Kein Speicherplatz mehr im Lake-Ordner/ });
  } finally {
    unmountAll();
  }
});

test('killed run leaves the published snapshot readable', async (t) => {
  const { files } = await publishedDeployment(t);
  const before = await readPublishedState(files.lake);

  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'run', '--config', files.config], { stdio: 'pipe' });
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      if (/Partition \d+ gelesen/.test(chunk.toString())) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => resolve());
  });
  await new Promise((resolve) => child.on('exit', resolve));

  assert.deepEqual(await readPublishedState(files.lake), before);
  const again = runCli(['run', '--config', files.config]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(existsSync(path.join(files.lake, '.lock')), false);
  assert.deepEqual((await readPublishedState(files.lake)).silverRows, before.silverRows);
});

function readFileSyncText(file: string): string {
  return readFileSync(file, 'utf8');
}

/**
 * Mounts a small tmpfs over the lake with a copy of its content, then makes it read-only or
 * fills it. Returns false (and skips) where mounting is not allowed, which only root can do.
 */
const unmountBeforeCleanup: (() => unknown)[] = [];

function unmountAll(): void {
  for (const unmount of unmountBeforeCleanup.splice(0)) {
    unmount();
  }
}

function mountTmpfs(t: TestContext, lake: string, mode: 'ro' | 'full'): boolean {
  const copy = `${lake}.copy`;
  const mount = spawnSync('sh', ['-c', `cp -a "${lake}" "${copy}" && mount -t tmpfs -o size=16m tmpfs "${lake}" && cp -a "${copy}/." "${lake}/"`], { encoding: 'utf8' });
  if (mount.status !== 0) {
    const reason = `cannot mount a tmpfs: ${mount.stderr.trim()}`;
    if (process.env.CI === 'true') {
      assert.fail(reason);
    }
    t.skip(reason);
    return false;
  }
  // Unmounted before the temp folder's own cleanup, which would fail on a busy mount point.
  unmountBeforeCleanup.push(() => spawnSync('umount', ['-l', lake]));

  if (mode === 'ro') {
    const remount = spawnSync('mount', ['-o', 'remount,ro', lake], { encoding: 'utf8' });
    assert.equal(remount.status, 0, remount.stderr);
  } else {
    // Fill the file system up to the last block, so that the next write fails with ENOSPC.
    spawnSync('sh', ['-c', `dd if=/dev/zero of="${lake}/filler" bs=64k 2>/dev/null; true`]);
  }
  return true;
}

for (const [label, declaredType, value, shown] of [
  ['a decimal with more digits than its scale, stored by SQLite as REAL', 'DECIMAL(10,2)', 1.23456, '1.23456'],
  ['a decimal that only rounds to its scale', 'DECIMAL(10,2)', 1.005, '1.005'],
  ['a timestamp without zone that carries an offset', 'TIMESTAMP', '2025-12-31T23:59:59+05:30', '2025-12-31T23:59:59+05:30'],
  ['a date that carries a time', 'DATE', '2025-01-15 10:00', '2025-01-15 10:00'],
  ['a boolean holding 2', 'BOOLEAN', 2, '2'],
] as const) {
  test(`${label} stops the run instead of changing the value`, (t) => {
    const folder = tempFolder(t);
    const db = new Database(path.join(folder, 'legacy.sqlite'));
    db.exec(`CREATE TABLE T (ID INTEGER PRIMARY KEY, V ${declaredType})`);
    db.prepare('INSERT INTO T VALUES (1, NULL), (2, ?)').run(value);
    db.close();
    const files = writeDeployment(folder, { source: 'type: sqlite\npath: legacy.sqlite', tables: '  - name: T\n    primary_key: ID' });

    const result = runCli(['run', '--config', files.config, '--lang', 'en']);
    assert.equal(result.status, 4, result.stderr);
    assert.match(result.stderr, /\[VALUE_TYPE_MISMATCH\]/);
    assert.ok(result.stderr.includes(`Value ${JSON.stringify(shown)} in T.V (key 2)`), result.stderr);
    assert.equal(existsSync(path.join(files.lake, 'CURRENT')), false, 'nothing was published');
    assert.equal(readdirSync(path.join(files.lake, 'runs')).length, 1, 'the failed run is recorded');
  });
}

test('rule that fails on the data names rule, file and line', async (t) => {
  const { files } = await publishedDeployment(t);
  writeFileSync(
    path.join(files.rules, 'orders.yaml'),
    `${RULES}  - id: customer_number\n    type: expression\n    expression: CAST(CUSTOMER AS INTEGER) > 0\n    message: { de: x, en: x }\n`,
  );
  await expectFailureKeepsState(files, {
    status: 4,
    code: 'RULE_EVALUATION_FAILED',
    message: /Regel customer_number \(.*orders\.yaml:\d+ \(rules\[1\]\)\) ließ sich auf Tabelle ORDERS nicht auswerten: Conversion Error/,
  });
});
