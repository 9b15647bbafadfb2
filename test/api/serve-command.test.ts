import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';

import { hashToken } from '../../src/api/auth/tokens-file.js';
import { runCli } from '../helpers/cli.js';
import { createApiLake, type ApiLake } from './api-lake.js';

const CLI = path.resolve('src/cli/main.ts');

/** Starts `aurora serve` and resolves with the address from its start log line and all log lines so far. */
async function startServe(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ address: string; logLines: string[]; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', ...args], {
    env: { ...process.env, AURORA_LANG: '', REDIS_URL: '', AURORA_API_TOKENS_FILE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };

  const logLines: string[] = [];
  try {
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('aurora serve did not log its start within 30 s')), 30_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        logLines.push(line);
        const entry = JSON.parse(line) as { msg?: string; address?: string };
        if (entry.msg === 'aurora serve started' && entry.address) {
          clearTimeout(timer);
          resolve(entry.address);
        }
      });
    });
    return { address, logLines, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

describe('aurora serve', () => {
  let lake: ApiLake;

  before(async () => {
    lake = createApiLake();
    await lake.runFullLoad();
  });

  after(() => {
    lake.remove();
  });

  it('serve listens on loopback and stops on SIGTERM', async () => {
    const token = randomBytes(32).toString('base64url');
    const tokensFile = path.join(lake.folder, 'tokens.yaml');
    writeFileSync(tokensFile, `tokens:\n  - { name: airflow, role: data_engineer, sha256: ${hashToken(token)} }\n`);

    const serve = await startServe(['--config', lake.config.file, '--port', '0'], { AURORA_CORS_ORIGINS: 'https://dashboard.example', AURORA_API_TOKENS_FILE: tokensFile });
    try {
      assert.match(serve.address, /^http:\/\/127\.0\.0\.1:\d+$/);

      const ready = await fetch(`${serve.address}/readyz`);
      assert.equal(ready.status, 200);
      const anonymous = await fetch(`${serve.address}/api/v1/runs`);
      assert.equal(anonymous.status, 401);
      const cors = await fetch(`${serve.address}/api/v1/runs`, { headers: { origin: 'https://dashboard.example', authorization: `Bearer ${token}` } });
      assert.equal(cors.status, 200);
      assert.equal(cors.headers.get('access-control-allow-origin'), 'https://dashboard.example');
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });

  it('serve without tokens file is rejected', () => {
    const result = runCli(['serve', '--config', lake.config.file, '--port', '0'], { AURORA_API_TOKENS_FILE: '' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^Keine Anmeldung konfiguriert: AURORA_API_TOKENS_FILE/);
  });

  it('serve with --no-auth warns and serves', async () => {
    const serve = await startServe(['--config', lake.config.file, '--port', '0', '--no-auth'], {});
    try {
      const runs = await fetch(`${serve.address}/api/v1/runs`);
      assert.equal(runs.status, 200);
      const warning = serve.logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).find((entry) => entry.msg.startsWith('authentication is disabled'));
      assert.equal(warning?.level, 40, 'logged at level warn');
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });

  it('serve rejects --no-auth with a tokens file', () => {
    const result = runCli(['--lang', 'en', 'serve', '--config', lake.config.file, '--port', '0', '--no-auth'], { AURORA_API_TOKENS_FILE: 'tokens.yaml' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--no-auth and AURORA_API_TOKENS_FILE=tokens.yaml contradict each other/);
  });

  it('serve rejects a malformed tokens file', () => {
    const tokensFile = path.join(lake.folder, 'broken-tokens.yaml');
    writeFileSync(tokensFile, 'tokens:\n  - { name: a, role: superuser, sha256: 00 }\n');
    const result = runCli(['--lang', 'en', 'serve', '--config', lake.config.file, '--port', '0'], { AURORA_API_TOKENS_FILE: tokensFile });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^Invalid tokens file .*broken-tokens\.yaml: tokens\[0\]\.role of a is invalid: allowed are viewer, controller, data_engineer, admin\./);
  });

  it('serve rejects an invalid rate limit', () => {
    const result = runCli(['serve', '--config', lake.config.file, '--port', '0'], { AURORA_RATE_LIMIT_MAX: 'many' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Ungültiger Wert many in AURORA_RATE_LIMIT_MAX: erwartet wird eine ganze Zahl ab 1/);
  });

  it('serve rejects an invalid port', () => {
    const result = runCli(['--lang', 'en', 'serve', '--config', lake.config.file, '--port', '70000']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /expected a whole number from 0 to 65535/);
  });
});
