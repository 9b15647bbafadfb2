import { loadConfig } from '../config/load-config.js';
import { cliMessages } from '../i18n/cli-messages.js';
import type { Language } from '../i18n/language.js';
import { runFullLoad } from '../pipeline/full-load.js';
import { renderRunSummaryText } from '../reports/run-summary-text.js';
import path from 'node:path';
import { createProgressReporter } from './progress-reporter.js';

export interface RunCommandOptions {
  config: string;
  json: boolean;
  parallel?: number;
  /** Take over finished partitions of a killed run; default true. */
  resume?: boolean;
  mode?: 'full' | 'delta';
  detectDeletes?: boolean;
  language: Language;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the main job for one aurora.yaml and prints its outcome: the summary (or JSON) on
 * stdout, progress and errors on stderr. Returns the process exit code.
 */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  const messages = cliMessages(options.language);
  const config = loadConfig(options.config, options.env);
  const progress = createProgressReporter(messages);

  const outcome = await runFullLoad({
    config,
    ...(options.parallel !== undefined ? { parallelism: options.parallel } : {}),
    ...(options.resume === false ? { resume: false } : {}),
    ...(options.mode ? { mode: options.mode } : {}),
    ...(options.detectDeletes ? { detectDeletes: true } : {}),
    onEvent: progress.listener,
  });
  progress.stop();

  const htmlReport = outcome.reportFolder ? path.join(outcome.reportFolder, `report.${options.language}.html`) : undefined;

  if (options.json) {
    const report = outcome.reportFolder
      ? {
          folder: outcome.reportFolder,
          html: { de: path.join(outcome.reportFolder, 'report.de.html'), en: path.join(outcome.reportFolder, 'report.en.html') },
          json: path.join(outcome.reportFolder, 'report.json'),
        }
      : null;
    process.stdout.write(`${JSON.stringify({ ...outcome.run, report }, null, 2)}\n`);
  } else if (outcome.run.tables.length > 0 || !outcome.error) {
    process.stdout.write(`${renderRunSummaryText(outcome.run, options.language, htmlReport)}\n`);
  }

  if (outcome.error && outcome.run.error) {
    process.stderr.write(`${messages.failed(outcome.run.error.code, outcome.run.error.message[options.language])}\n`);
    if (htmlReport && !options.json) {
      process.stderr.write(`${messages.reportAt(htmlReport)}\n`);
    }
    return outcome.error.exitCode;
  }
  return 0;
}
