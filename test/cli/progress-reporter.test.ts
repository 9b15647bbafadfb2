import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';

import { createProgressReporter } from '../../src/cli/progress-reporter.js';
import { cliMessages } from '../../src/i18n/cli-messages.js';
import type { PipelineEvent } from '../../src/pipeline/events.js';
import { succeededRun } from '../fixtures/run-results.js';

function events(): PipelineEvent[] {
  const result = succeededRun().tables[0];
  assert.ok(result);
  return [
    { type: 'run-started', runId: 'r1', mode: 'full', tables: [{ table: 'ORDERS', partitions: 2, rowsExpected: 1234567 }] },
    { type: 'extract-progress', table: 'ORDERS', rows: 10000 },
    { type: 'partition-extracted', table: 'ORDERS', partition: 0, rows: 600000 },
    { type: 'partition-extracted', table: 'ORDERS', partition: 1, rows: 634567 },
    { type: 'table-extracted', table: 'ORDERS', rows: 1234567, durationMs: 2500 },
    { type: 'validation-started', table: 'ORDERS' },
    { type: 'table-validated', table: 'ORDERS', result: { ...result, table: 'ORDERS' } },
    { type: 'published', runId: 'r1', snapshot: 'snapshots/r1' },
  ];
}

function capture(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  Object.assign(stream, { isTTY, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream, text: () => text };
}

test('plain lines in German when not a terminal', () => {
  const output = capture(false);
  const reporter = createProgressReporter(cliMessages('de'), output.stream);
  events().forEach(reporter.listener);
  reporter.stop();

  const lines = output.text().trim().split('\n');
  assert.deepEqual(lines.slice(0, 5), [
    'Lauf r1 gestartet: 1 Tabelle(n), Full Load',
    'ORDERS: 2 Partition(en), etwa 1.234.567 Zeilen',
    'ORDERS: Partition 0 gelesen, 600.000 Zeilen',
    'ORDERS: Partition 1 gelesen, 634.567 Zeilen',
    'ORDERS: 1.234.567 Zeilen in Bronze geschrieben (2,50 s)',
  ]);
  assert.equal(lines.at(-1), 'Snapshot r1 veröffentlicht');
});

test('plain lines in English', () => {
  const output = capture(false);
  const reporter = createProgressReporter(cliMessages('en'), output.stream);
  events().forEach(reporter.listener);

  assert.match(output.text(), /^ORDERS: 1,234,567 rows written to bronze \(2\.50 s\)$/m);
  assert.match(output.text(), /^Snapshot r1 published$/m);
});

test('a progress bar per table on a terminal', () => {
  const output = capture(true);
  const reporter = createProgressReporter(cliMessages('de'), output.stream);
  events().forEach(reporter.listener);
  reporter.stop();

  const text = output.text();
  assert.match(text, /ORDERS\s+\|[█░]+\| 100% \| 1234567\/1234567 Zeilen/);
  assert.doesNotMatch(text, /Partition 0 gelesen/, 'no plain lines on a terminal');
});
