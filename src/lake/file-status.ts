import { stat } from 'node:fs/promises';

/** Returns whether `file` exists and is a regular file; a missing or unreadable path is false. */
export async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

/** Returns whether anything exists at `file`: a file, a folder or another entry. */
export async function pathExists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined)) !== undefined;
}
