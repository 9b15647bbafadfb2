import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { AuroraError } from '../errors/aurora-error.js';

/**
 * An exclusive lock on a lake folder, so two runs never publish over each other. The lock file
 * holds the owner's process id. It is created with its content in one step (a hard link to a
 * finished temporary file), so no other run ever sees an empty lock. A lock whose process is
 * gone was left by a killed run and is taken over.
 */
export class LakeLock {
  private constructor(private readonly file: string) {}

  static async acquire(lakeRoot: string): Promise<LakeLock> {
    const file = path.join(lakeRoot, '.lock');
    const candidate = path.join(lakeRoot, `.lock.${process.pid}`);
    await writeFile(candidate, String(process.pid));

    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        if (await tryLink(candidate, file)) {
          return new LakeLock(file);
        }

        const owner = await readOwner(file);
        if (owner !== undefined && isAlive(owner)) {
          throw new AuroraError('LAKE_BUSY', { path: lakeRoot, pid: owner });
        }
        await removeStaleLock(file, owner);
      }
      throw new AuroraError('LAKE_BUSY', { path: lakeRoot, pid: (await readOwner(file)) ?? 0 });
    } finally {
      await rm(candidate, { force: true });
    }
  }

  async release(): Promise<void> {
    await rm(this.file, { force: true });
  }
}

async function tryLink(candidate: string, file: string): Promise<boolean> {
  try {
    await link(candidate, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return false;
    }
    throw error;
  }
}

async function readOwner(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Moves a dead run's lock aside. Renaming is atomic, so of two runs taking over the same stale
 * lock only one moves it; if what was moved turns out to be a newer, live lock (another run
 * took over in between), it is put back.
 */
async function removeStaleLock(file: string, stalePid: number | undefined): Promise<void> {
  const aside = `${file}.stale.${process.pid}`;
  try {
    await rename(file, aside);
  } catch {
    return;
  }

  const moved = await readOwner(aside);
  if (moved !== stalePid && moved !== undefined && isAlive(moved)) {
    await link(aside, file).catch(() => undefined);
  }
  await rm(aside, { force: true });
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
