import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { parsePasswordHash, verifyPassword, type PasswordHash } from '../../src/api/auth/password-hash.js';
import { loadUsersFile } from '../../src/api/auth/users-file.js';
import { tempFolder } from '../helpers/temp-folder.js';

const CLI = path.resolve('src/cli/main.ts');
const PASSWORD = 'Maschinenbau-2026!';

/** Runs the CLI with `stdin` as standard input, the way `printf … | aurora user add …` does. */
function runUserAdd(args: readonly string[], stdin: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
    input: stdin,
    env: { ...process.env, AURORA_LANG: '', AURORA_USERS_FILE: '', ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('user add creates a private users file', async (t) => {
  const file = path.join(tempFolder(t), 'users.yaml');
  const result = runUserAdd(['user', 'add', 'anna', '--role', 'controller', '--file', file], `${PASSWORD}\n`);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `Benutzer anna (Rolle controller) in ${file} eingetragen. aurora serve neu starten, damit er gilt.\n`);
  assert.ok(!result.stdout.includes(PASSWORD), 'the password is on stdout');
  assert.ok(!result.stderr.includes(PASSWORD), 'the password is on stderr');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'only the owner can read the hashes');

  const [user] = loadUsersFile(file);
  assert.equal(user?.name, 'anna');
  assert.equal(user?.role, 'controller');
  assert.equal(await verifyPassword(PASSWORD, user?.passwordHash as PasswordHash), true);
  assert.equal(await verifyPassword(`${PASSWORD} `, user?.passwordHash as PasswordHash), false);
  assert.ok(!readFileSync(file, 'utf8').includes(PASSWORD));
});

test('user add reads AURORA_USERS_FILE and appends', (t) => {
  const file = path.join(tempFolder(t), 'users.yaml');
  writeFileSync(file, '# Benutzer der Controlling-Abteilung\nusers: []\n');
  for (const name of ['anna', 'bernd@mueller.example']) {
    const result = runUserAdd(['--lang', 'en', 'user', 'add', name, '--role', 'viewer'], `${PASSWORD}\r\n`, { AURORA_USERS_FILE: file });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, `User ${name} (role viewer) added to ${file}. Restart aurora serve for it to apply.\n`);
  }
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^# Benutzer der Controlling-Abteilung\n/, 'comments survive');
  assert.deepEqual(
    loadUsersFile(file).map((user) => user.name),
    ['anna', 'bernd@mueller.example'],
  );
});

test('the salt differs per user', (t) => {
  const file = path.join(tempFolder(t), 'users.yaml');
  runUserAdd(['user', 'add', 'a1', '--role', 'viewer', '--file', file], PASSWORD);
  runUserAdd(['user', 'add', 'a2', '--role', 'viewer', '--file', file], PASSWORD);
  const [first, second] = loadUsersFile(file);
  assert.notDeepEqual(first?.passwordHash.salt, second?.passwordHash.salt);
  assert.notDeepEqual(first?.passwordHash.key, second?.passwordHash.key);
});

test('existing user needs --replace', (t) => {
  const file = path.join(tempFolder(t), 'users.yaml');
  assert.equal(runUserAdd(['user', 'add', 'anna', '--role', 'viewer', '--file', file], PASSWORD).status, 0);
  const before = readFileSync(file, 'utf8');

  const duplicate = runUserAdd(['user', 'add', 'anna', '--role', 'admin', '--file', file], 'ein-anderes-passwort');
  assert.equal(duplicate.status, 2);
  assert.equal(duplicate.stderr, `Den Benutzer anna gibt es in ${file} schon. Mit --replace ersetzen (neues Passwort oder neue Rolle).\n`);
  assert.equal(readFileSync(file, 'utf8'), before, 'the file is unchanged');

  const replaced = runUserAdd(['user', 'add', 'anna', '--role', 'admin', '--file', file, '--replace'], 'ein-anderes-passwort');
  assert.equal(replaced.status, 0, replaced.stderr);
  const users = loadUsersFile(file);
  assert.equal(users.length, 1);
  assert.equal(users[0]?.role, 'admin');
});

test('json users file stays json', async (t) => {
  const file = path.join(tempFolder(t), 'users.json');
  writeFileSync(file, JSON.stringify({ users: [] }));
  assert.equal(runUserAdd(['user', 'add', 'anna', '--role', 'viewer', '--file', file], PASSWORD).status, 0);
  const document = JSON.parse(readFileSync(file, 'utf8')) as { users: { name: string; role: string; password_hash: string }[] };
  assert.equal(document.users[0]?.name, 'anna');
  const hash = parsePasswordHash(document.users[0]?.password_hash ?? '');
  assert.ok('key' in hash);
  assert.equal(await verifyPassword(PASSWORD, hash), true);
});

test('user add rejects bad input', (t) => {
  const folder = tempFolder(t);
  const file = path.join(folder, 'users.yaml');
  const cases: { label: string; args: string[]; stdin: string; stderr: RegExp; env?: NodeJS.ProcessEnv }[] = [
    { label: 'short password', args: ['user', 'add', 'anna', '--role', 'viewer', '--file', file], stdin: 'kurz\n', stderr: /^Das Passwort ist zu kurz: mindestens 12 Zeichen\.\n$/ },
    { label: 'empty stdin', args: ['--lang', 'en', 'user', 'add', 'anna', '--role', 'viewer', '--file', file], stdin: '', stderr: /^No password on standard input\./ },
    { label: 'invalid name', args: ['user', 'add', 'anna schmidt', '--role', 'viewer', '--file', file], stdin: PASSWORD, stderr: /^Ungültiger Benutzername anna schmidt:/ },
    { label: 'unknown role', args: ['--lang', 'en', 'user', 'add', 'anna', '--role', 'root', '--file', file], stdin: PASSWORD, stderr: /root/ },
    { label: 'no file', args: ['--lang', 'en', 'user', 'add', 'anna', '--role', 'viewer'], stdin: PASSWORD, stderr: /^No users file given: pass --file <file> or set AURORA_USERS_FILE\.\n$/ },
    { label: 'too long', args: ['user', 'add', 'anna', '--role', 'viewer', '--file', file], stdin: 'x'.repeat(1025), stderr: /^Das Passwort ist zu lang: höchstens 1024 Zeichen\.\n$/ },
  ];
  for (const testCase of cases) {
    const result = runUserAdd(testCase.args, testCase.stdin, testCase.env);
    assert.equal(result.status, 2, `${testCase.label}: ${result.stderr}`);
    assert.match(result.stderr, testCase.stderr, testCase.label);
  }
  assert.throws(() => statSync(file), /ENOENT/, 'no file was written');
});

test('invalid users file is not changed', (t) => {
  const file = path.join(tempFolder(t), 'users.yaml');
  const broken = 'users:\n  - name: anna\n    role: superuser\n    password_hash: x\n';
  writeFileSync(file, broken);
  const result = runUserAdd(['--lang', 'en', 'user', 'add', 'bernd', '--role', 'viewer', '--file', file], PASSWORD);
  assert.equal(result.status, 2);
  assert.equal(result.stderr, `Invalid users file ${file}, line 3, users[0].role: missing or invalid: allowed are viewer, controller, data_engineer, admin.\n`);
  assert.equal(readFileSync(file, 'utf8'), broken);
});
