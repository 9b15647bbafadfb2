import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';

import { hashPassword } from '../../src/api/auth/password-hash.js';
import { runCli } from '../helpers/cli.js';
import { createApiLake, type ApiLake } from './api-lake.js';

const CLI = path.resolve('src/cli/main.ts');
const PASSWORD = 'Serve-Test-Passwort-1';

/** Environment without any sign-in setting of the calling shell. */
const CLEAN_ENV = { AURORA_API_TOKENS_FILE: '', AURORA_USERS_FILE: '', AURORA_OIDC_ISSUER: '', AURORA_OIDC_CLIENT_ID: '', AURORA_OIDC_CLIENT_SECRET: '', AURORA_OIDC_REDIRECT_URI: '', AURORA_OIDC_ROLE_MAP: '', REDIS_URL: '' };

describe('aurora serve with sign-in', () => {
  let lake: ApiLake;
  let usersFile: string;

  before(async () => {
    lake = createApiLake();
    await lake.runFullLoad();
    usersFile = path.join(lake.folder, 'users.yaml');
    writeFileSync(usersFile, `users:\n  - name: anna\n    role: data_engineer\n    password_hash: "${await hashPassword(PASSWORD)}"\n`);
  });

  after(() => {
    lake.remove();
  });

  it('serve starts with only a users file', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--config', lake.config.file, '--port', '0'], {
      env: { ...process.env, AURORA_LANG: '', ...CLEAN_ENV, AURORA_USERS_FILE: usersFile, AURORA_SESSION_IDLE_MINUTES: '15' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const started = await new Promise<{ address: string; authentication: string[]; sessionStore: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('aurora serve did not log its start within 30 s')), 30_000);
        createInterface({ input: child.stdout }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; address: string; authentication: string[]; sessionStore: string };
          if (entry.msg === 'aurora serve started') {
            clearTimeout(timer);
            resolve(entry);
          }
        });
      });
      assert.deepEqual(started.authentication, ['local']);
      assert.equal(started.sessionStore, 'memory');

      const login = await fetch(`${started.address}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'anna', password: PASSWORD }) });
      assert.equal(login.status, 200);
      const cookie = login.headers.getSetCookie()[0] ?? '';
      assert.match(cookie, /Max-Age=28800/);
      const runs = await fetch(`${started.address}/api/v1/runs`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
      assert.equal(runs.status, 200);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });

  it('serve without any sign-in is rejected', () => {
    const result = runCli(['--lang', 'en', 'serve', '--config', lake.config.file, '--port', '0'], CLEAN_ENV);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^No sign-in configured: set AURORA_API_TOKENS_FILE .*, AURORA_USERS_FILE .* or the AURORA_OIDC_\* variables .*, or pass --no-auth explicitly\.\n$/);
  });

  it('serve rejects --no-auth with a users file', () => {
    const result = runCli(['serve', '--config', lake.config.file, '--port', '0', '--no-auth'], { ...CLEAN_ENV, AURORA_USERS_FILE: usersFile });
    assert.equal(result.status, 2);
    assert.equal(result.stderr, `--no-auth und AURORA_USERS_FILE=${usersFile} schließen sich aus. Eines von beiden entfernen.\n`);
  });

  it('serve rejects an invalid users file', () => {
    const broken = path.join(lake.folder, 'broken-users.yaml');
    writeFileSync(broken, 'users:\n  - name: anna\n    role: chef\n    password_hash: x\n');
    const result = runCli(['serve', '--config', lake.config.file, '--port', '0'], { ...CLEAN_ENV, AURORA_USERS_FILE: broken });
    assert.equal(result.status, 2);
    assert.equal(result.stderr, `Ungültige Benutzerdatei ${broken}, Zeile 3, users[0].role: fehlt oder ist ungültig: erlaubt sind viewer, controller, data_engineer, admin.\n`);
  });

  it('serve rejects incomplete OpenID settings', () => {
    const result = runCli(['--lang', 'en', 'serve', '--config', lake.config.file, '--port', '0'], {
      ...CLEAN_ENV,
      AURORA_OIDC_ISSUER: 'https://login.microsoftonline.com/tenant/v2.0',
      AURORA_OIDC_CLIENT_SECRET: 'do-not-print-me',
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^Invalid value "" in AURORA_OIDC_CLIENT_ID: expected a value, because AURORA_OIDC_ISSUER, AURORA_OIDC_CLIENT_SECRET is set/);
    assert.ok(!result.stderr.includes('do-not-print-me'));
  });

  it('serve rejects invalid session lifetimes', () => {
    const result = runCli(['serve', '--config', lake.config.file, '--port', '0'], { ...CLEAN_ENV, AURORA_USERS_FILE: usersFile, AURORA_SESSION_IDLE_MINUTES: '0' });
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'Ungültiger Wert 0 in AURORA_SESSION_IDLE_MINUTES: erwartet wird eine ganze Zahl von 1 bis 1440.\n');
  });
});
