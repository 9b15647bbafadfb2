import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';

import { runCli } from '../helpers/cli.js';
import { createApiLake, type ApiLake } from './api-lake.js';

const CLI = path.resolve('src/cli/main.ts');

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
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--config', lake.config.file, '--port', '0'], {
      env: { ...process.env, AURORA_LANG: '', AURORA_CORS_ORIGINS: 'https://dashboard.example', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    try {
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('aurora serve did not log its start within 30 s')), 30_000);
        createInterface({ input: child.stdout }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; address?: string };
          if (entry.msg === 'aurora serve started' && entry.address) {
            clearTimeout(timer);
            resolve(entry.address);
          }
        });
      });
      assert.match(address, /^http:\/\/127\.0\.0\.1:\d+$/);

      const ready = await fetch(`${address}/readyz`);
      assert.equal(ready.status, 200);
      const cors = await fetch(`${address}/api/v1/runs`, { headers: { origin: 'https://dashboard.example' } });
      assert.equal(cors.headers.get('access-control-allow-origin'), 'https://dashboard.example');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
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
