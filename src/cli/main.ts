#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';

import { ROLES, type Role } from '../api/auth/route-roles.js';
import { isAuroraError } from '../errors/aurora-error.js';
import { EXIT_CODES } from '../errors/catalog.js';
import { cliMessages } from '../i18n/cli-messages.js';
import { resolveLanguage, type Language } from '../i18n/language.js';
import { localizeCommanderError } from './commander-messages.js';
import { demoCommand } from './demo-command.js';
import { reconcileCommand } from './reconcile-command.js';
import { runCommand } from './run-command.js';
import { rollbackCommand, runsCommand } from './runs-command.js';
import { erpSampleCommand, sampleCommand } from './sample-command.js';
import { serveCommand } from './serve-command.js';
import { tokenCreateCommand } from './token-command.js';
import { userAddCommand } from './user-command.js';

/** The same bounds as `parallelism` in aurora.yaml; more partitions at once than that only thrash. */
const MAX_PARALLEL = 64;

function parseParallelism(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < 1 || parsed > MAX_PARALLEL) {
    throw new InvalidArgumentError(
      languageFromArgv(process.argv) === 'de' ? `erwartet wird eine ganze Zahl von 1 bis ${MAX_PARALLEL}` : `expected a whole number from 1 to ${MAX_PARALLEL}`,
    );
  }
  return parsed;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(
      languageFromArgv(process.argv) === 'de' ? 'erwartet wird eine ganze Zahl von 0 bis 65535' : 'expected a whole number from 0 to 65535',
    );
  }
  return port;
}

function languageOf(command: Command): Language {
  return resolveLanguage(command.optsWithGlobals<{ lang?: string }>().lang);
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('aurora')
    .description('Migrate legacy ERP tables into the Aurora lakehouse, check them against YAML quality rules, and report.')
    .addOption(new Option('--lang <language>', 'language of messages and reports (de, en); default AURORA_LANG or de'))
    .showHelpAfterError()
    .configureOutput({ outputError: (message, write) => write(localizeCommanderError(message, languageFromArgv(argv))) })
    .exitOverride();

  let exitCode = 0;

  program
    .command('run')
    .description('run a load: source -> bronze -> rules -> silver + quarantine, then publish and write the report')
    .requiredOption('-c, --config <file>', 'aurora.yaml of the deployment')
    .option('--json', 'print the run summary as JSON on stdout', false)
    .option('--parallel <n>', 'partitions read at the same time (overrides parallelism)', parseParallelism)
    .option('--no-resume', 'read every partition again instead of taking over those a killed run finished')
    .addOption(new Option('--mode <mode>', 'full: read every table; delta: read what changed since the published run and merge it').choices(['full', 'delta']).default('full'))
    .option('--detect-deletes', 'delta: compare all source keys with the snapshot in this run', false)
    .action(async (options: { config: string; json: boolean; parallel?: number; resume: boolean; mode: 'full' | 'delta'; detectDeletes: boolean }, command: Command) => {
      exitCode = await runCommand({ ...options, language: languageOf(command) });
    });

  program
    .command('runs')
    .description('list the runs of a lake, newest first, with their counts and which snapshot is published')
    .requiredOption('-c, --config <file>', 'aurora.yaml of the deployment')
    .option('--json', 'print the runs as JSON on stdout', false)
    .action(async (options: { config: string; json: boolean }, command: Command) => {
      exitCode = await runsCommand({ ...options, language: languageOf(command) });
    });

  program
    .command('rollback')
    .description('publish the snapshot of an earlier successful run again, atomically')
    .requiredOption('-c, --config <file>', 'aurora.yaml of the deployment')
    .requiredOption('--to <run>', 'run id to restore, as listed by aurora runs')
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (options: { config: string; to: string; json: boolean }, command: Command) => {
      exitCode = await rollbackCommand({ ...options, language: languageOf(command) });
    });

  program
    .command('reconcile')
    .description('compare the source with the published snapshot: row counts, measure sums and checksums over key ranges')
    .requiredOption('-c, --config <file>', 'aurora.yaml of the deployment')
    .option('--json', 'print the result as JSON on stdout', false)
    .action(async (options: { config: string; json: boolean }, command: Command) => {
      exitCode = await reconcileCommand({ ...options, language: languageOf(command) });
    });

  program
    .command('serve')
    .description('serve health, metrics, runs, quality reports and freshness of the lake over HTTP (read only)')
    .requiredOption('-c, --config <file>', 'aurora.yaml of the deployment')
    .requiredOption('--port <n>', 'TCP port to listen on (0 picks a free one)', parsePort)
    .option('--host <address>', 'address to listen on; only this machine by default', '127.0.0.1')
    .option('--no-auth', 'serve /api/v1 without sign-in, when no tokens file, users file or OpenID Connect is configured (logs a warning)')
    .action(async (options: { config: string; port: number; host: string; auth: boolean }, command: Command) => {
      exitCode = await serveCommand({ ...options, language: languageOf(command) });
    });

  const token = program.command('token').description('manage API tokens for aurora serve');
  token
    .command('create')
    .description('print a new random API token once, with the entry to add to the tokens file')
    .requiredOption('--name <name>', 'name of the token, logged with each request (letters, digits, ., _ and -)')
    .addOption(new Option('--role <role>', 'role of the token').choices(ROLES).makeOptionMandatory())
    .action((options: { name: string; role: Role }, command: Command) => {
      exitCode = tokenCreateCommand({ ...options, language: languageOf(command) });
    });

  const user = program.command('user').description('manage the local users who sign in to aurora serve with a password');
  user
    .command('add')
    .description('add a user to the users file; the password is read from standard input, never from the command line')
    .argument('<name>', 'user name (letters, digits, ., _, @ and -)')
    .addOption(new Option('--role <role>', 'role of the user').choices(ROLES).makeOptionMandatory())
    .option('--file <file>', 'users file to create or change; default AURORA_USERS_FILE')
    .option('--replace', 'replace an existing user of that name (new password or role)', false)
    .action(async (name: string, options: { role: Role; file?: string; replace: boolean }, command: Command) => {
      exitCode = await userAddCommand({ name, ...options, language: languageOf(command) });
    });

  const sample = program.command('sample').description('create sample legacy databases');
  sample
    .command('superstore')
    .description('load the Sample Superstore orders (9,994 rows) into a database that plays the legacy system')
    .requiredOption('--target <url>', 'sqlite:path/file.db, postgres://..., or mysql://...')
    .option('--replace', 'replace the table if it exists', false)
    .action(async (options: { target: string; replace: boolean }, command: Command) => {
      exitCode = await sampleCommand({ ...options, language: languageOf(command) });
    });

  sample
    .command('erp')
    .description('generate the legacy ERP of Müller Maschinenbau (ORDERS and five more tables, with known defects) in a database')
    .requiredOption('--scale <n>', 'size: 1 gives 2,147,832 orders, 0.005 about 10,700')
    .requiredOption('--target <url>', 'sqlite:path/file.db, postgres://..., or mysql://...')
    .option('--replace', 'replace the ERP tables if any of them exists', false)
    .option('--seed <int>', 'seed of the generator; the same seed gives the same rows on every target (default 42)')
    .option('--defect-rate <ratio>', 'share of orders that fail at least one error rule (default 0.028)')
    .option('--manifest <file>', 'JSON file for the manifest with the expected failure counts', 'erp-manifest.json')
    .action(
      async (
        options: { scale: string; target: string; replace: boolean; seed?: string; defectRate?: string; manifest: string },
        command: Command,
      ) => {
        exitCode = await erpSampleCommand({ ...options, language: languageOf(command) });
      },
    );

  const demo = program.command('demo').description('run the main job end to end on bundled sample data');
  demo
    .command('superstore')
    .description('load Superstore into an embedded SQLite database and run a full load with the example rules')
    .option('--workdir <folder>', 'folder for the SQLite database and the lake', '.aurora/superstore')
    .option('--json', 'print the run summary as JSON on stdout', false)
    .action(async (options: { workdir: string; json: boolean }, command: Command) => {
      exitCode = await demoCommand({ ...options, language: languageOf(command) });
    });

  await program.parseAsync(argv);
  return exitCode;
}

/** The language for errors raised before commander has parsed the options. */
function languageFromArgv(argv: readonly string[]): Language {
  const index = argv.findIndex((argument) => argument === '--lang' || argument.startsWith('--lang='));
  const value = index < 0 ? undefined : argv[index]?.includes('=') ? argv[index]?.split('=')[1] : argv[index + 1];
  try {
    return resolveLanguage(value);
  } catch {
    // The invalid language is itself the error being reported; German is the fallback.
    return 'de';
  }
}

function reportFailure(error: unknown, language: Language): number {
  const code = (error as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
    return 0;
  }
  if (typeof code === 'string' && code.startsWith('commander.')) {
    return EXIT_CODES.configuration;
  }

  if (isAuroraError(error)) {
    process.stderr.write(`${cliMessages(language).error(error.code, error.render(language))}\n`);
    if (process.argv.includes('--json')) {
      // Scripts that parse stdout get a record for errors before the run started, too.
      const failure = { status: 'failed', error: { code: error.code, message: { de: error.render('de'), en: error.render('en') } } };
      process.stdout.write(`${JSON.stringify(failure, null, 2)}\n`);
    }
    return error.exitCode;
  }
  if (error instanceof RangeError && /--lang|AURORA_LANG/.test(error.message)) {
    process.stderr.write(`${error.message}\n`);
    return EXIT_CODES.configuration;
  }

  process.stderr.write(`${cliMessages(language).error('INTERNAL', error instanceof Error ? error.message : String(error))}\n`);
  if (process.env.AURORA_DEBUG === '1' && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
  return EXIT_CODES.internal;
}

// A reader that stops early (`aurora runs | head`) closes the pipe; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') {
    process.exit(0);
  }
  throw error;
});

main(process.argv)
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.exitCode = reportFailure(error, languageFromArgv(process.argv));
  });
