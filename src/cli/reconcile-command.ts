import { loadConfig } from '../config/load-config.js';
import { AuroraError } from '../errors/aurora-error.js';
import type { Language } from '../i18n/language.js';
import { reconcileMessages } from '../i18n/reconcile-messages.js';
import { reconcile } from '../reconcile/reconcile.js';
import { renderReconcileText } from '../reconcile/render-reconcile.js';

export interface ReconcileCommandOptions {
  config: string;
  json: boolean;
  language: Language;
  env?: NodeJS.ProcessEnv;
}

/**
 * Compares the source with the published snapshot and prints the result: the table (or JSON)
 * on stdout, differences as RECONCILE_DIFFERENCES on stderr. Returns the process exit code.
 * Errors before the comparison (nothing published, source unreachable) are thrown for main.
 */
export async function reconcileCommand(options: ReconcileCommandOptions): Promise<number> {
  const config = loadConfig(options.config, options.env);
  const { result, report } = await reconcile({ config });

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...result, report }, null, 2)}\n`);
  } else {
    process.stdout.write(`${renderReconcileText(result, options.language)}\n`);
    process.stderr.write(`${reconcileMessages(options.language).reportAt(report.html[options.language])}\n`);
  }

  if (result.matches) {
    return 0;
  }
  const differences = new AuroraError('RECONCILE_DIFFERENCES', {
    runId: result.runId,
    tables: result.tables.filter((table) => !table.matches).map((table) => table.table),
  });
  process.stderr.write(`[${differences.code}] ${differences.render(options.language)}\n`);
  return differences.exitCode;
}
