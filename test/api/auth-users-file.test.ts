import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { formatPasswordHash, hashPassword, parsePasswordHash, verifyPassword, type PasswordHash } from '../../src/api/auth/password-hash.js';
import { parseUsersFile, UsersFileError } from '../../src/api/auth/users-file.js';
import { buildServer } from '../../src/api/server.js';
import { createApiLake, type ApiLake } from './api-lake.js';
import { login } from './auth-helpers.js';

const PASSWORD = 'Fräsmaschine-7-Achsen';

describe('password hashes', () => {
  let stored: string;

  before(async () => {
    stored = await hashPassword(PASSWORD);
  });

  it('hash has PHC form and verifies', async () => {
    assert.match(stored, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const hash = parsePasswordHash(stored) as PasswordHash;
    assert.equal(await verifyPassword(PASSWORD, hash), true);
    assert.equal(await verifyPassword(PASSWORD.toLowerCase(), hash), false);
    assert.equal(await verifyPassword('', hash), false);
  });

  it('unicode forms verify alike', async () => {
    // "ä" as one code point (NFC) and as "a" plus combining diaeresis (NFD) is the same password.
    const hash = parsePasswordHash(await hashPassword('Fr\u00e4se-1234567')) as PasswordHash;
    assert.equal(await verifyPassword('Fra\u0308se-1234567', hash), true);
  });

  it('changed salt or key fails', async () => {
    const hash = parsePasswordHash(stored) as PasswordHash;
    const otherSalt = { ...hash, salt: Buffer.from(hash.salt.map((byte, index) => (index === 0 ? byte ^ 1 : byte))) };
    assert.equal(await verifyPassword(PASSWORD, otherSalt), false);
    const otherKey = parsePasswordHash(formatPasswordHash({ ...hash, key: Buffer.alloc(32) })) as PasswordHash;
    assert.equal(await verifyPassword(PASSWORD, otherKey), false);
  });

  it('malformed and costly hashes are rejected', () => {
    const salt = 'A'.repeat(22);
    const key = 'B'.repeat(43);
    for (const text of ['', 'plaintext', `$argon2id$v=19$m=65536,t=3,p=4$${salt}$${key}`, `$scrypt$ln=15,r=8,p=1$${salt}$${key}=`, `$scrypt$ln=15,r=8,p=1$${salt}`]) {
      assert.ok(!('key' in parsePasswordHash(text)), text);
    }
    assert.deepEqual(parsePasswordHash(`$scrypt$ln=30,r=8,p=1$${salt}$${key}`), { de: 'ln=30 liegt außerhalb von 14 bis 20', en: 'ln=30 is outside 14 to 20' });
    assert.deepEqual(parsePasswordHash(`$scrypt$ln=15,r=8,p=99$${salt}$${key}`), { de: 'p=99 liegt außerhalb von 1 bis 16', en: 'p=99 is outside 1 to 16' });
  });
});

describe('users file', () => {
  let lake: ApiLake;
  let hash: string;

  before(async () => {
    lake = createApiLake();
    hash = await hashPassword(PASSWORD);
  });

  after(() => {
    lake.remove();
  });

  it('yaml and json files are accepted', async () => {
    const yamlFile = path.join(lake.folder, 'users.yaml');
    writeFileSync(yamlFile, `# Zugänge für das Controlling\nusers:\n  - name: anna\n    role: controller\n    password_hash: ${hash}\n`);
    const jsonFile = path.join(lake.folder, 'users.json');
    writeFileSync(jsonFile, JSON.stringify({ users: [{ name: 'anna', role: 'controller', password_hash: hash }] }));

    for (const usersFile of [yamlFile, jsonFile]) {
      const server = await buildServer({ config: lake.config, auth: { usersFile } });
      try {
        const response = await login(server, 'anna', PASSWORD);
        assert.equal(response.statusCode, 200, usersFile);
        assert.deepEqual(response.json(), { name: 'anna', role: 'controller' });
      } finally {
        await server.close();
      }
    }
  });

  it('invalid files name file, line and key', () => {
    const entry = (fields: string) => `users:\n  - ${fields}\n`;
    const cases: { label: string; text: string; line: number; key: string; reason: RegExp }[] = [
      { label: 'tab indentation', text: 'users:\n\t- name: a\n', line: 2, key: '', reason: /^not valid JSON or YAML: Tabs are not allowed as indentation/ },
      { label: 'broken json', text: '{"users": [}\n', line: 1, key: '', reason: /^not valid JSON or YAML/ },
      { label: 'no users list', text: 'tokens: []\n', line: 1, key: 'users', reason: /non-empty list users/ },
      { label: 'empty list', text: '# leer\nusers: []\n', line: 2, key: 'users', reason: /non-empty list users/ },
      { label: 'extra top-level key', text: `users:\n  - { name: a, role: viewer, password_hash: "${hash}" }\nadmins: []\n`, line: 3, key: 'admins', reason: /^unknown key/ },
      { label: 'entry not an object', text: 'users:\n  - anna\n', line: 2, key: 'users[0]', reason: /not an object/ },
      { label: 'unknown field', text: `users:\n  - name: a\n    role: viewer\n    password: geheim\n    password_hash: "${hash}"\n`, line: 4, key: 'users[0].password', reason: /^unknown field\. Allowed are name, role, password_hash\.$/ },
      { label: 'missing name', text: entry(`{ role: viewer, password_hash: "${hash}" }`), line: 2, key: 'users[0].name', reason: /^missing or invalid/ },
      { label: 'name with space', text: entry(`{ name: "anna schmidt", role: viewer, password_hash: "${hash}" }`), line: 2, key: 'users[0].name', reason: /^missing or invalid/ },
      { label: 'unknown role', text: `users:\n  - name: a\n    role: root\n    password_hash: "${hash}"\n`, line: 3, key: 'users[0].role', reason: /^missing or invalid: allowed are viewer, controller, data_engineer, admin\.$/ },
      { label: 'missing hash', text: 'users:\n  - name: a\n    role: viewer\n', line: 2, key: 'users[0].password_hash', reason: /^missing; aurora user add writes it\.$/ },
      { label: 'plain password as hash', text: 'users:\n  - name: a\n    role: viewer\n    password_hash: geheim123\n', line: 4, key: 'users[0].password_hash', reason: /^expected a scrypt hash/ },
      { label: 'huge cost', text: `users:\n  - name: a\n    role: viewer\n    password_hash: "${hash.replace('ln=15', 'ln=25')}"\n`, line: 4, key: 'users[0].password_hash', reason: /^ln=25 is outside 14 to 20\.$/ },
      { label: 'duplicate name', text: `users:\n  - { name: a, role: viewer, password_hash: "${hash}" }\n  - { name: a, role: admin, password_hash: "${hash}" }\n`, line: 3, key: 'users[1].name', reason: /already used by users\[0\]/ },
      { label: 'duplicate key', text: `users:\n  - name: a\n    name: b\n    role: viewer\n    password_hash: "${hash}"\n`, line: 3, key: '', reason: /^not valid JSON or YAML: Map keys must be unique/ },
    ];

    for (const testCase of cases) {
      const error = captureUsersFileError(() => parseUsersFile('users.yaml', testCase.text));
      assert.ok(error, `${testCase.label}: no error`);
      assert.equal(error.file, 'users.yaml', testCase.label);
      assert.equal(error.line, testCase.line, `${testCase.label}: line`);
      assert.equal(error.key, testCase.key, `${testCase.label}: key`);
      assert.match(error.reason.en, testCase.reason, testCase.label);
      assert.notEqual(error.reason.de, error.reason.en, `${testCase.label}: German text`);
      assert.ok(!error.message.includes(hash), `${testCase.label}: the message leaks the hash`);
    }
  });

  it('messages read well in both languages', () => {
    const error = captureUsersFileError(() => parseUsersFile('/etc/aurora/users.yaml', 'users:\n  - name: a\n    role: root\n'));
    assert.equal(error?.render('en'), 'Invalid users file /etc/aurora/users.yaml, line 3, users[0].role: missing or invalid: allowed are viewer, controller, data_engineer, admin.');
    assert.equal(error?.render('de'), 'Ungültige Benutzerdatei /etc/aurora/users.yaml, Zeile 3, users[0].role: fehlt oder ist ungültig: erlaubt sind viewer, controller, data_engineer, admin.');
  });

  it('unreadable file fails the start', async () => {
    await assert.rejects(buildServer({ config: lake.config, auth: { usersFile: path.join(lake.folder, 'missing.yaml') } }), (error: unknown) => {
      assert.ok(error instanceof UsersFileError);
      assert.match(error.message, /^Invalid users file .*missing\.yaml: the file cannot be read \(ENOENT\)\.$/);
      return true;
    });
  });
});

function captureUsersFileError(action: () => unknown): UsersFileError | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof UsersFileError) {
      return error;
    }
    throw error;
  }
  return undefined;
}
