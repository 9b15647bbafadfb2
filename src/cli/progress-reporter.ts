import cliProgress from 'cli-progress';

import type { CliMessages } from '../i18n/cli-messages.js';
import type { PipelineEvent, PipelineEventListener } from '../pipeline/events.js';

/**
 * Turns pipeline events into output on stderr: one progress bar per table on a terminal,
 * plain lines otherwise (CI logs, cron mail), so stdout stays free for the summary or JSON.
 */
export function createProgressReporter(messages: CliMessages, stream: NodeJS.WriteStream = process.stderr): {
  listener: PipelineEventListener;
  stop(): void;
} {
  return stream.isTTY ? barReporter(messages, stream) : lineReporter(messages, stream);
}

function lineReporter(messages: CliMessages, stream: NodeJS.WritableStream): { listener: PipelineEventListener; stop(): void } {
  const print = (line: string): void => {
    stream.write(`${line}\n`);
  };

  const listener = (event: PipelineEvent): void => {
    switch (event.type) {
      case 'run-started':
        print(messages.runStarted(event.runId, event.tables.length, event.mode));
        for (const table of event.tables) {
          print(messages.tablePlanned(table.table, table.partitions, table.rowsExpected));
        }
        break;
      case 'partition-extracted':
        print(
          event.resumed
            ? messages.partitionResumed(event.table, event.partition, event.rows)
            : messages.partitionExtracted(event.table, event.partition, event.rows),
        );
        break;
      case 'table-extracted':
        print(messages.tableExtracted(event.table, event.rows, event.durationMs));
        break;
      case 'validation-started':
        print(messages.validationStarted(event.table));
        break;
      case 'table-validated':
        print(messages.tableValidated(event.table, event.result.silverRows, event.result.quarantinedRows));
        if (event.result.schemaChanges) {
          print(messages.schemaEvolved(event.table, event.result.schemaChanges));
        }
        break;
      case 'published':
        print(messages.published(event.runId));
        break;
      case 'extract-progress':
        break;
    }
  };

  return { listener, stop: () => undefined };
}

function barReporter(messages: CliMessages, stream: NodeJS.WriteStream): { listener: PipelineEventListener; stop(): void } {
  const multibar = new cliProgress.MultiBar(
    { stream, format: messages.progressBarFormat, hideCursor: true, clearOnComplete: false, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const extracted = new Map<string, number>();

  const listener = (event: PipelineEvent): void => {
    switch (event.type) {
      case 'run-started':
        for (const table of event.tables) {
          bars.set(table.table, multibar.create(Math.max(table.rowsExpected, 1), 0, { table: table.table.padEnd(20), phase: messages.phases.extract }));
        }
        break;
      case 'extract-progress':
        bars.get(event.table)?.update(Math.min(event.rows, bars.get(event.table)?.getTotal() ?? event.rows));
        break;
      case 'partition-extracted': {
        const rows = (extracted.get(event.table) ?? 0) + event.rows;
        extracted.set(event.table, rows);
        bars.get(event.table)?.update(rows);
        break;
      }
      case 'table-extracted':
        bars.get(event.table)?.setTotal(Math.max(event.rows, 1));
        bars.get(event.table)?.update(event.rows, { phase: messages.phases.bronze });
        break;
      case 'validation-started':
        bars.get(event.table)?.update({ phase: messages.phases.validate });
        break;
      case 'table-validated':
        bars.get(event.table)?.update({ phase: messages.tableValidated('', event.result.silverRows, event.result.quarantinedRows).replace(/^: /, '').trim() });
        break;
      case 'published':
        break;
    }
  };

  return { listener, stop: () => multibar.stop() };
}
