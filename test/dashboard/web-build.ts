import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Vite 8 allows one build per project at a time and fails the others with this message. */
const BUILD_LOCKED = 'Found another Vite build process';
const LOCK_RETRIES = 60;
const LOCK_WAIT_MS = 500;

/**
 * Builds the dashboard with Vite into a fresh temporary folder and returns it. Tests serve this
 * build instead of dist/web, so they always test the current web/ sources and never race with
 * an `npm run build` in the same tree. A build that finds another one running (two test files
 * at once) waits and tries again, for up to 30 seconds.
 */
export function buildDashboard(): string {
  const outDir = mkdtempSync(path.join(tmpdir(), 'aurora-web-'));
  const vite = path.resolve('node_modules/vite/bin/vite.js');

  for (let attempt = 0; ; attempt += 1) {
    const result = spawnSync(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { encoding: 'utf8' });
    if (result.status === 0) {
      return outDir;
    }
    if (!`${result.stdout}${result.stderr}`.includes(BUILD_LOCKED) || attempt >= LOCK_RETRIES) {
      throw new Error(`vite build failed with exit code ${String(result.status)}:\n${result.stdout}\n${result.stderr}`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_WAIT_MS);
  }
}
