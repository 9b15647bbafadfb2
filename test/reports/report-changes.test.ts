import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { Ajv2020 } from 'ajv/dist/2020.js';

import { renderQualityReportHtml } from '../../src/reports/quality-report-html.js';
import { buildQualityReportJson } from '../../src/reports/quality-report-json.js';
import { succeededRun } from '../fixtures/run-results.js';

function deltaRun() {
  const run = succeededRun();
  run.mode = 'delta';
  const [table] = run.tables;
  assert.ok(table);
  table.delta = { watermarkHigh: '2026-03-02 08:00:00', readFrom: '2026-03-01 <09:00>', changedRows: 12345, deletedRows: 3, runsSinceDeleteCheck: 0 };
  table.schemaChanges = [{ column: 'REGION<x>', kind: 'added', newType: 'text' }];
  return run;
}

test('report shows what a delta changed, in German and English', () => {
  const german = renderQualityReportHtml(deltaRun(), 'de');
  assert.match(german, /Änderungen in diesem Lauf/);
  assert.match(german, /<dt>Aus der Quelle gelesen<\/dt><dd>12\.345<\/dd>/);
  assert.match(german, /<dt>In der Quelle gelöscht<\/dt><dd>3<\/dd>/);
  assert.match(german, /Delta Load/);
  assert.ok(german.includes('2026-03-01 &lt;09:00&gt;'), 'values are escaped');
  assert.ok(german.includes('REGION&lt;x&gt;: neu (text)'));
  assert.ok(!german.includes('<x>'));

  const english = renderQualityReportHtml(deltaRun(), 'en');
  assert.match(english, /<dt>Read from the source<\/dt><dd>12,345<\/dd>/);
});

test('report JSON carries the changes and matches its schema', () => {
  const schema = JSON.parse(readFileSync(new URL('../../schemas/quality-report.schema.json', import.meta.url), 'utf8')) as object;
  const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  const report = buildQualityReportJson(deltaRun());

  assert.ok(validate(report), JSON.stringify(validate.errors));
  assert.deepEqual((report.tables[0] as { changes?: unknown }).changes, {
    rowsFromSource: 12345,
    deletedRows: 3,
    watermarkHigh: '2026-03-02 08:00:00',
    readFrom: '2026-03-01 <09:00>',
    schemaChanges: [{ column: 'REGION<x>', kind: 'added', newType: 'text' }],
  });
  assert.equal(buildQualityReportJson(succeededRun()).tables[0]?.changes, undefined, 'a run without changes has none');
});
