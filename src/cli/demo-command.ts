import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { cliMessages } from '../i18n/cli-messages.js';
import type { Language } from '../i18n/language.js';
import { loadSuperstore } from '../samples/superstore.js';
import { runCommand } from './run-command.js';

/** The example deployment shipped with the package; its paths come from the variables set below. */
export const SUPERSTORE_CONFIG = fileURLToPath(new URL('../../examples/superstore/aurora.yaml', import.meta.url));

export interface DemoCommandOptions {
  workdir: string;
  json: boolean;
  language: Language;
}

/**
 * `aurora demo superstore` (and `npm start`): puts the Superstore orders into an embedded
 * SQLite database that plays the legacy ERP, then runs the main job on it with the example
 * rules. Everything stays in one work folder, so the demo needs no server and no setup.
 */
export async function demoCommand(options: DemoCommandOptions): Promise<number> {
  const messages = cliMessages(options.language);
  const workdir = path.resolve(options.workdir);
  const database = path.join(workdir, 'legacy.sqlite');
  await mkdir(workdir, { recursive: true });

  process.stderr.write(`${messages.sampleLoading('Superstore', database)}\n`);
  const loaded = await loadSuperstore(`sqlite:${database}`, { replace: true });
  process.stderr.write(`${messages.sampleLoaded(loaded.rows, loaded.table, loaded.target)}\n`);

  return runCommand({
    config: SUPERSTORE_CONFIG,
    json: options.json,
    language: options.language,
    env: { ...process.env, AURORA_SUPERSTORE_DB: database, AURORA_SUPERSTORE_LAKE: path.join(workdir, 'lake') },
  });
}
