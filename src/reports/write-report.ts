import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import type { RunResult } from '../pipeline/run-result.js';
import { renderQualityReportHtml } from './quality-report-html.js';
import { buildQualityReportJson } from './quality-report-json.js';

/** Paths of the written report files. */
export interface WrittenQualityReport {
  htmlDe: string;
  htmlEn: string;
  json: string;
}

export const REPORT_FILE_NAMES = {
  htmlDe: 'report.de.html',
  htmlEn: 'report.en.html',
  json: 'report.json',
} as const;

/** Temp files end with this suffix and start with a dot, so listings and globs skip them. */
const TEMP_SUFFIX = '.tmp';

/**
 * Writes report.de.html, report.en.html and report.json into `folder`, creating it if needed,
 * and returns their absolute paths. Each file is first written and fsynced under a temp name
 * in the same folder, then renamed over the final name, so a reader never sees a half-written
 * file. On any error the temp files are removed and the error is rethrown.
 *
 * NOTE: each file is replaced atomically, but the three renames are not one transaction. If a
 * later rename fails, the earlier files already hold the new run while the rest hold the old one.
 */
export async function writeQualityReport(run: RunResult, folder: string): Promise<WrittenQualityReport> {
  const target = resolve(folder);
  await mkdir(target, { recursive: true });

  const contents: Record<keyof WrittenQualityReport, string> = {
    htmlDe: renderQualityReportHtml(run, 'de'),
    htmlEn: renderQualityReportHtml(run, 'en'),
    json: `${JSON.stringify(buildQualityReportJson(run), null, 2)}\n`,
  };
  const keys = Object.keys(REPORT_FILE_NAMES) as (keyof WrittenQualityReport)[];
  const tempSuffix = `.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
  const tempPaths = keys.map((key) => join(target, `.${REPORT_FILE_NAMES[key]}${tempSuffix}`));
  const finalPaths = keys.map((key) => join(target, REPORT_FILE_NAMES[key]));

  try {
    // All temp files are complete before the first rename, so a failed render or a full disk
    // leaves the previous report untouched.
    for (const [index, key] of keys.entries()) {
      await writeAndSync(tempPaths[index]!, contents[key]);
    }
    for (const [index] of keys.entries()) {
      await rename(tempPaths[index]!, finalPaths[index]!);
    }
  } catch (error) {
    await Promise.all(tempPaths.map((path) => rm(path, { force: true })));
    throw error;
  }

  await syncFolder(target);

  return {
    htmlDe: join(target, REPORT_FILE_NAMES.htmlDe),
    htmlEn: join(target, REPORT_FILE_NAMES.htmlEn),
    json: join(target, REPORT_FILE_NAMES.json),
  };
}

async function writeAndSync(path: string, content: string): Promise<void> {
  // 'wx' fails instead of overwriting when the random temp name is somehow taken.
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes the folder entries so the renames survive a crash. Windows cannot open a folder as
 * a file, and some file systems reject fsync on folders. Those cases are skipped, because the
 * file contents are already synced.
 */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') {
    return;
  }

  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'ENOTSUP') {
      throw error;
    }
  } finally {
    await handle?.close();
  }
}
