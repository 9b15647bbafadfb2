import { cliMessages } from '../i18n/cli-messages.js';
import type { Language } from '../i18n/language.js';
import path from 'node:path';

import { loadErpSample } from '../samples/erp/erp-sample.js';
import { parseErpOptionText, planErpSample } from '../samples/erp/plan.js';
import { redactUrl } from '../samples/targets/target-url.js';
import { loadSuperstore } from '../samples/superstore.js';

export interface SampleCommandOptions {
  target: string;
  replace: boolean;
  language: Language;
}

/** `aurora sample superstore`: fills a legacy stand-in database with the Superstore orders. */
export async function sampleCommand(options: SampleCommandOptions): Promise<number> {
  const messages = cliMessages(options.language);
  process.stderr.write(`${messages.sampleLoading('Superstore', options.target.replace(/\/\/[^@/]*@/, '//'))}\n`);

  const loaded = await loadSuperstore(options.target, { replace: options.replace });
  process.stdout.write(`${messages.sampleLoaded(loaded.rows, loaded.table, loaded.target)}\n`);
  return 0;
}

export interface ErpSampleCommandOptions {
  target: string;
  scale: string;
  seed?: string;
  defectRate?: string;
  replace: boolean;
  manifest: string;
  language: Language;
}

/** `aurora sample erp`: fills a database with the legacy ERP of Müller Maschinenbau and writes the defect manifest. */
export async function erpSampleCommand(options: ErpSampleCommandOptions): Promise<number> {
  const messages = cliMessages(options.language);
  // Checked before connecting, so a mistyped option never touches the target.
  const numbers = parseErpOptionText(options);
  planErpSample(numbers);
  const manifestPath = path.resolve(options.manifest);
  process.stderr.write(`${messages.sampleLoading('Müller Maschinenbau ERP', redactUrl(options.target))}\n`);

  const manifest = await loadErpSample(options.target, {
    ...numbers,
    replace: options.replace,
    manifest: manifestPath,
    onTableLoaded: (table, rows, durationMs) => process.stderr.write(`${messages.erpTableLoaded(table, rows, durationMs)}\n`),
  });
  process.stdout.write(`${messages.erpLoaded(manifest.rows.ORDERS, manifest.expectedQuarantinedRows.ORDERS, manifest.durationMs)}\n`);
  process.stdout.write(`${messages.erpManifestWritten(manifestPath)}\n`);
  return 0;
}
