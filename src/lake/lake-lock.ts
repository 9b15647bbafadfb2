import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { AuroraError } from '../errors/aurora-error.js';

/**
 * An exclusive lock on a lake folder, so two runs never publish over each other. The lock file
 * holds the owner's process id; a lock whose process is gone was left by a killed run and is
 * taken over.
 */
export class LakeLock {
  private constructor(private readonly file: string) {}

  static async acquire(lakeRoot: string): Promise<LakeLock> {
    const file = path.join(lakeRoot, '.lock');

    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const handle = await open(file, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        return new LakeLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw error;
        }
      }

      const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new AuroraError('LAKE_BUSY', { path: lakeRoot, pid: owner });
      }
      await rm(file, { force: true });
    }

    throw new AuroraError('LAKE_BUSY', { path: lakeRoot, pid: 0 });
  }

  async release(): Promise<void> {
    await rm(this.file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
