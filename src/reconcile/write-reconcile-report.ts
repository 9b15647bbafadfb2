import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { writeFileAtomically } from '../lake/atomic-file.js';
import { renderReconcileHtml } from './render-reconcile.js';
import type { ReconcileResult } from './types.js';

export interface ReconcileReportFiles {
  folder: string;
  json: string;
  html: { de: string; en: string };
}

/** Writes reconcile.json and the HTML page per language into the published run's report folder. */
export async function writeReconcileReport(result: ReconcileResult, folder: string): Promise<ReconcileReportFiles> {
  await mkdir(folder, { recursive: true });
  const files: ReconcileReportFiles = {
    folder,
    json: path.join(folder, 'reconcile.json'),
    html: { de: path.join(folder, 'reconcile.de.html'), en: path.join(folder, 'reconcile.en.html') },
  };

  await writeFileAtomically(files.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFileAtomically(files.html.de, renderReconcileHtml(result, 'de'));
  await writeFileAtomically(files.html.en, renderReconcileHtml(result, 'en'));
  return files;
}
