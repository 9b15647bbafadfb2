import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh folder under the system temp folder, removed when the test ends. */
export function tempFolder(t: TestContext, prefix = 'aurora-test-'): string {
  const folder = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}
