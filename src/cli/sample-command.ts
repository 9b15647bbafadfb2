import { cliMessages } from '../i18n/cli-messages.js';
import type { Language } from '../i18n/language.js';
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
