import path from 'node:path';

import { pino, type Logger } from 'pino';

import { redactSecrets } from '../config/environment.js';
import type { PipelineEvent } from '../pipeline/events.js';

/**
 * The operators' log of one run: JSON lines in `<lake>/logs/<run>.jsonl`, in English, one line
 * per step and per error. Secrets from the config are scrubbed from every message.
 */
export interface RunLog {
  event(event: PipelineEvent): void;
  failed(code: string, message: string): void;
  finished(status: string, durationMs: number): void;
  retention(removedRuns: readonly string[]): void;
}

/**
 * Opens the log, or returns one that discards everything when the file cannot be created: a
 * missing operators' log must not fail a load, and the run record still says what happened.
 */
export function openRunLog(lakeRoot: string, runId: string, secrets: readonly string[]): RunLog {
  let logger: Logger;
  try {
    const destination = pino.destination({ dest: path.join(lakeRoot, 'logs', `${runId}.jsonl`), mkdir: true, sync: true });
    logger = pino({ base: { runId }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  } catch {
    logger = pino({ enabled: false });
  }

  return {
    event(event) {
      if (event.type === 'extract-progress') {
        return;
      }
      if (event.type === 'table-validated') {
        const { rules, ...counts } = event.result;
        logger.info({ event: event.type, ...counts, failingRules: rules.filter((rule) => rule.failedRows > 0).length }, 'table validated');
        return;
      }
      const { type, ...fields } = event;
      logger.info({ event: type, ...fields, runId: undefined }, type.replace(/-/g, ' '));
    },
    failed(code, message) {
      logger.error({ event: 'run-failed', code }, redactSecrets(message, secrets));
    },
    retention(removedRuns) {
      logger.info({ event: 'retention', removedRuns }, 'old snapshots removed');
    },
    finished(status, durationMs) {
      logger.info({ event: 'run-finished', status, durationMs }, 'run finished');
    },
  };
}
