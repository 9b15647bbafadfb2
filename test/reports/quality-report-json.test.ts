import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

// The named export, because under NodeNext the default import types as the module namespace,
// which TypeScript cannot construct.
import { Ajv2020 } from 'ajv/dist/2020.js';

import { buildQualityReportJson, MAX_SAMPLES_PER_RULE, ratioText } from '../../src/reports/quality-report-json.js';
import { failedRun, orderDateSamples, succeededRun } from '../fixtures/run-results.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/quality-report.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

/** Converts the report to what a consumer reads back from report.json. */
function roundTrip(value: unknown): Record<string, any> {
  return JSON.parse(JSON.stringify(value)) as Record<string, any>;
}

describe('buildQualityReportJson', () => {
  it('matches the schema for a succeeded run', () => {
    const report = roundTrip(buildQualityReportJson(succeededRun()));
    assert.ok(validate(report), ajv.errorsText(validate.errors));
  });

  it('matches the schema for a failed run', () => {
    const report = roundTrip(buildQualityReportJson(failedRun()));
    assert.ok(validate(report), ajv.errorsText(validate.errors));
  });

  it('matches the schema for a run without tables', () => {
    const run = failedRun();
    run.tables = [];
    const report = roundTrip(buildQualityReportJson(run));
    assert.ok(validate(report), ajv.errorsText(validate.errors));
  });

  it('survives a JSON round trip unchanged', () => {
    const report = buildQualityReportJson(succeededRun());
    assert.deepEqual(roundTrip(report), report);
  });

  it('carries the version and run header', () => {
    const report = buildQualityReportJson(failedRun());
    assert.equal(report.version, 1);
    assert.equal(report.run.runId, '2026-01-02T06-00-00Z-c41d');
    assert.equal(report.run.status, 'failed');
    assert.equal(report.run.startedAt, '2026-01-02T06:00:00.000Z');
    assert.equal(report.run.durationMs, 62_500);
    assert.equal(report.run.source.kind, 'mysql');
    assert.equal(report.run.error?.code, 'QUARANTINE_THRESHOLD_EXCEEDED');
    assert.match(report.run.error?.message.en ?? '', /^Quarantine ratio of ORDERS/);
  });

  it('writes null for absent optional values', () => {
    const report = buildQualityReportJson(succeededRun());
    const orders = report.tables[0]!;
    const orderLines = report.tables[1]!;

    assert.equal(report.run.error, null);
    assert.equal(orderLines.maxQuarantineRatio, null);
    assert.equal(orders.rules.find((rule) => rule.ruleId === 'order_id_unique')?.observed, null);
    assert.equal(orders.rules.find((rule) => rule.ruleId === 'orders_row_count')?.column, null);
  });

  it('keeps counts as numbers and ratios as strings', () => {
    const report = buildQualityReportJson(succeededRun());
    const orders = report.tables[0]!;

    assert.equal(orders.rowsRead, 9_994);
    assert.equal(orders.silverRows, 9_701);
    assert.equal(orders.quarantinedRows, 293);
    assert.equal(orders.warnedRows, 120);
    assert.equal(orders.quarantineRatio, '0.0293175906');
    assert.equal(orders.maxQuarantineRatio, '0.05');
    assert.equal(report.totals.quarantineRatio, '0.0090061666');
  });

  it('computes totals over tables', () => {
    const totals = buildQualityReportJson(succeededRun()).totals;

    assert.equal(totals.rowsRead, 34_865);
    assert.equal(totals.warnedRows, 120);
    assert.equal(totals.balanced, true);
    assert.equal(totals.tables, 2);
    assert.equal(totals.failingRules, 5);
    assert.equal(totals.failingErrorRules, 3);
    assert.equal(totals.failingWarnRules, 2);
    assert.deepEqual(totals.timings, { extractMs: 137_750, validateMs: 43_150, publishMs: 28_425 });
  });

  it('keeps per-table timings', () => {
    const orders = buildQualityReportJson(succeededRun()).tables[0]!;
    assert.deepEqual(orders.timings, { extractMs: 41_250, validateMs: 12_400, publishMs: 8_125 });
  });

  it('marks rule scope and outcome', () => {
    const rules = buildQualityReportJson(succeededRun()).tables[0]!.rules;
    const fresh = rules.find((rule) => rule.ruleId === 'orders_fresh')!;
    const unique = rules.find((rule) => rule.ruleId === 'order_id_unique')!;
    const notNull = rules.find((rule) => rule.ruleId === 'customer_id_not_null')!;

    assert.equal(fresh.scope, 'table');
    assert.equal(fresh.passed, false);
    assert.equal(fresh.observed, '2025-12-29T23:10:00Z');
    assert.equal(unique.scope, 'row');
    assert.equal(unique.passed, false);
    assert.equal(notNull.passed, true);
  });

  it('flags an exceeded threshold and an unbalanced table', () => {
    const exceeded = buildQualityReportJson(failedRun()).tables[0]!;
    assert.equal(exceeded.thresholdExceeded, true);

    const run = succeededRun();
    run.tables[0]!.silverRows = 9_700;
    const unbalanced = buildQualityReportJson(run).tables[0]!;
    assert.equal(unbalanced.balanced, false);
    assert.equal(unbalanced.thresholdExceeded, false);
  });

  it('caps samples at 20 per rule', () => {
    const run = succeededRun();
    run.tables[0]!.rules.find((rule) => rule.ruleId === 'order_date_is_date')!.samples = orderDateSamples(25);

    const report = buildQualityReportJson(run);
    const samples = report.tables[0]!.rules.find((rule) => rule.ruleId === 'order_date_is_date')!.samples;
    assert.equal(samples.length, MAX_SAMPLES_PER_RULE);
    assert.deepEqual(samples.at(-1), { key: { order_id: 'CA-2025-10020' }, value: null });
    assert.ok(validate(roundTrip(report)), ajv.errorsText(validate.errors));
  });

  it('keeps NULL sample values as null', () => {
    const samples = buildQualityReportJson(succeededRun()).tables[0]!.rules.find((rule) => rule.ruleId === 'order_date_is_date')!.samples;
    assert.equal(samples[4]!.value, null);
  });

  it('copies samples instead of sharing them', () => {
    const run = succeededRun();
    const report = buildQualityReportJson(run);
    run.tables[0]!.rules[1]!.samples[0]!.key.order_id = 'changed';
    assert.equal(report.tables[0]!.rules[1]!.samples[0]!.key.order_id, 'CA-2025-100006');
  });
});

describe('quality report schema', () => {
  it('rejects a ratio given as a number', () => {
    const report = roundTrip(buildQualityReportJson(succeededRun()));
    report.tables[0].quarantineRatio = 0.029;
    assert.equal(validate(report), false);
  });

  it('rejects a missing optional key', () => {
    const report = roundTrip(buildQualityReportJson(succeededRun()));
    delete report.run.error;
    assert.equal(validate(report), false);
  });

  it('rejects a fractional row count', () => {
    const report = roundTrip(buildQualityReportJson(succeededRun()));
    report.totals.rowsRead = 1.5;
    assert.equal(validate(report), false);
  });

  it('rejects an unknown version', () => {
    const report = roundTrip(buildQualityReportJson(succeededRun()));
    report.version = 2;
    assert.equal(validate(report), false);
  });
});

describe('ratioText', () => {
  const cases: [number, string | null][] = [
    [0, '0'],
    [1, '1'],
    [0.05, '0.05'],
    [293 / 9_994, '0.0293175906'],
    [1 / 2_000_000_000, '0.0000000005'],
    [1e-12, '0'],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
  ];

  for (const [ratio, expected] of cases) {
    it(`writes ${ratio} as ${String(expected)}`, () => {
      assert.equal(ratioText(ratio), expected);
    });
  }
});
