import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { runCli } from '../helpers/cli.js';
import { tempFolder } from '../helpers/temp-folder.js';

test('demo --json prints a parseable run summary on stdout', (t) => {
  const workdir = tempFolder(t);
  const result = runCli(['demo', 'superstore', '--workdir', workdir, '--json']);
  assert.equal(result.status, 0, result.stderr);

  const summary = JSON.parse(result.stdout) as { status: string; totals: { rowsRead: number }; report: { html: { de: string } } };
  assert.equal(summary.status, 'succeeded');
  assert.equal(summary.totals.rowsRead, 9994);
  assert.equal(summary.report.html.de, path.join(summary.report.html.de.split('/report.de.html')[0] ?? '', 'report.de.html'));
  assert.match(result.stderr, /Snapshot .* veröffentlicht/, 'progress goes to stderr');
});

test('--lang en switches summary and messages to English', (t) => {
  const workdir = tempFolder(t);
  const result = runCli(['--lang', 'en', 'demo', 'superstore', '--workdir', workdir]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /SUPERSTORE_ORDERS\s+read 9,994 = silver 9,951 \+ quarantine 43 \(0\.4%\)/);
  assert.match(result.stdout, /Report: .*report\.en\.html/);
});

test('AURORA_LANG=en is the default when --lang is absent', (t) => {
  const result = runCli(['demo', 'superstore', '--workdir', tempFolder(t)], { AURORA_LANG: 'en' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /read 9,994/);
});

test('an unsupported language is rejected with exit code 2', () => {
  const result = runCli(['run', '--config', 'x.yaml'], { AURORA_LANG: 'fr' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /AURORA_LANG must be one of de, en, got "fr"/);
});

for (const value of ['0', 'abc', '1.5', '65', '3000000']) {
  test(`--parallel ${value} is rejected`, () => {
    const result = runCli(['run', '--config', 'x.yaml', '--parallel', value]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--parallel/);
  });
}

test('a missing --config names the option', () => {
  const result = runCli(['run']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--config/);
});

test('--json prints a failure record for errors before the run', () => {
  const result = runCli(['run', '--config', 'no-such-aurora.yaml', '--json']);
  assert.equal(result.status, 2);
  const record = JSON.parse(result.stdout) as { status: string; error: { code: string; message: { en: string } } };
  assert.equal(record.status, 'failed');
  assert.equal(record.error.code, 'CONFIG_NOT_FOUND');
  assert.match(record.error.message.en, /no-such-aurora\.yaml not found/);
});

test('parse errors are German by default and English on request', () => {
  const german = runCli(['run']);
  assert.match(german.stderr, /^Fehler: Pflichtoption -c, --config <file> fehlt\./m);
  const parallel = runCli(['run', '--config', 'x.yaml', '--parallel', '0']);
  assert.match(parallel.stderr, /Wert "0" für --parallel <n> ist ungültig \(erwartet wird eine ganze Zahl von 1 bis 64\)/);

  const english = runCli(['--lang', 'en', 'run']);
  assert.match(english.stderr, /^error: required option '-c, --config <file>' not specified/m);
});
