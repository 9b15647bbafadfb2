import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { AuroraError, describeCause } from '../errors/aurora-error.js';

/**
 * Fails early, before a source is read, when the lake folder cannot take files: hours of
 * extraction should not end in a permission error at publish time.
 */
export async function ensureLakeWritable(root: string): Promise<void> {
  const probe = path.join(root, `.write-probe-${process.pid}`);

  try {
    for (const folder of [root, ...LAKE_FOLDERS.map((name) => path.join(root, name))]) {
      await mkdir(folder, { recursive: true }).catch((error: unknown) => {
        throw notAFolder(error, folder) ?? error;
      });
    }
    await writeFile(probe, 'aurora');
  } catch (error) {
    throw lakeError(error, root);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/** The folders every run writes into; a file in place of one must stop the run before extraction. */
const LAKE_FOLDERS = ['bronze', 'snapshots', 'runs', 'reports', 'logs', 'tmp'];

function notAFolder(error: unknown, folder: string): AuroraError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EEXIST' && code !== 'ENOTDIR') {
    return undefined;
  }
  return new AuroraError('LAKE_PATH_NOT_FOLDER', { path: folder }, { cause: error });
}

/** Maps a file-system error in the lake to the catalogue: full disk or no permission. */
export function lakeError(error: unknown, root: string): AuroraError {
  if (error instanceof AuroraError) {
    return error;
  }

  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || /No space left on device/i.test(describeCause(error))) {
    return new AuroraError('LAKE_FULL', { path: root }, { cause: error });
  }
  return new AuroraError('LAKE_NOT_WRITABLE', { path: root, detail: describeCause(error) }, { cause: error });
}
