import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RuleResult } from '../../src/pipeline/run-result.js';
import { renderRunSummaryText, SUMMARY_MAX_RULES } from '../../src/reports/run-summary-text.js';
import { failedRun, succeededRun } from '../fixtures/run-results.js';

function linesOf(text: string): string[] {
  return text.split('\n');
}

describe('renderRunSummaryText in German', () => {
  const text = renderRunSummaryText(succeededRun(), 'de', '/srv/lake/runs/7f3a/report.de.html');
  const lines = linesOf(text);

  it('starts with run id and status', () => {
    assert.equal(lines[0], 'Aurora-Lauf 2025-12-31T13-00-05Z-7f3a: erfolgreich');
  });

  it('prints one aligned balance line per table and the total', () => {
    assert.ok(lines.includes('ORDERS       gelesen  9.994 = Silver  9.701 + Quarantäne 293 (2,9 %)'), text);
    assert.ok(lines.includes('ORDER_LINES  gelesen 24.871 = Silver 24.850 + Quarantäne  21 (0,1 %)'), text);
    assert.ok(lines.includes('GESAMT       gelesen 34.865 = Silver 34.551 + Quarantäne 314 (0,9 %)'), text);
  });

  it('counts rows with warnings', () => {
    assert.ok(lines.includes('Warnungen: 120 Zeilen in Silver verletzen Warnregeln.'), text);
  });

  it('lists failing rules by failed rows', () => {
    const start = lines.indexOf('Verletzte Regeln nach fehlerhaften Zeilen (5):');
    assert.notEqual(start, -1, text);
    assert.deepEqual(lines.slice(start + 1, start + 6), [
      '  289  Fehler   ORDERS.order_date_is_date      Bestelldatum ist kein gültiges Datum.',
      '  120  Warnung  ORDERS.ship_mode_known         Versandart ist unbekannt.',
      '   21  Fehler   ORDER_LINES.line_order_exists  Auftrag zur Position existiert nicht.',
      '    4  Fehler   ORDERS.order_id_unique         Auftragsnummer ist doppelt.',
      '    1  Warnung  ORDERS.orders_fresh            Der neueste Auftrag ist älter als 36 Stunden.',
    ]);
  });

  it('ends with duration and report path', () => {
    assert.ok(lines.includes('Dauer: 252,25 s'), text);
    assert.ok(lines.includes('Bericht: /srv/lake/runs/7f3a/report.de.html'), text);
    assert.ok(text.endsWith('\n'));
  });

  it('contains no color codes or no-break spaces', () => {
    assert.ok(!text.includes('\u001b'), 'escape sequence found');
    assert.ok(!/[\u00a0\u202f]/.test(text), 'no-break space found');
  });
});

describe('renderRunSummaryText in English', () => {
  const text = renderRunSummaryText(succeededRun(), 'en');
  const lines = linesOf(text);

  it('prints English balance lines', () => {
    assert.equal(lines[0], 'Aurora run 2025-12-31T13-00-05Z-7f3a: succeeded');
    assert.ok(lines.includes('ORDERS       read  9,994 = silver  9,701 + quarantine 293 (2.9%)'), text);
    assert.ok(lines.includes('TOTAL        read 34,865 = silver 34,551 + quarantine 314 (0.9%)'), text);
  });

  it('lists failing rules in English', () => {
    assert.ok(lines.includes('Failing rules by failed rows (5):'), text);
    assert.ok(lines.includes('  120  warning  ORDERS.ship_mode_known         Ship mode is unknown.'), text);
  });

  it('prints the duration', () => {
    assert.ok(lines.includes('Duration: 252.25 s'), text);
  });

  it('leaves out the report line without a path', () => {
    assert.ok(!text.includes('Report:'), text);
  });
});

describe('renderRunSummaryText', () => {
  it('prints the error of a failed run', () => {
    const text = renderRunSummaryText(failedRun(), 'de');
    const lines = linesOf(text);

    assert.equal(lines[0], 'Aurora-Lauf 2026-01-02T06-00-00Z-c41d: fehlgeschlagen');
    assert.match(lines[1] ?? '', /^Fehler QUARANTINE_THRESHOLD_EXCEEDED: Quarantäne-Anteil von ORDERS ist 6,67 %/);
    assert.ok(lines.includes('ORDERS  gelesen 1.500 = Silver 1.400 + Quarantäne 100 (6,7 %)'), text);
  });

  it('shows at most ten failing rules', () => {
    const run = succeededRun();
    const template = run.tables[0]!.rules[1]!;
    const extraRules: RuleResult[] = Array.from({ length: 12 }, (_, index) => ({
      ...template,
      ruleId: `extra_rule_${String(index + 1).padStart(2, '0')}`,
      failedRows: 1_000 + index,
    }));
    run.tables[0]!.rules.push(...extraRules);

    const lines = linesOf(renderRunSummaryText(run, 'en'));
    const start = lines.indexOf(`Failing rules by failed rows (top ${SUMMARY_MAX_RULES} of 17):`);
    assert.notEqual(start, -1, lines.join('\n'));

    const listed = lines.slice(start + 1).filter((line) => line.startsWith('  '));
    assert.equal(listed.length, SUMMARY_MAX_RULES);
    assert.match(listed[0]!, /^ {2}1,011 {2}error {2}ORDERS\.extra_rule_12 /);
    assert.match(listed[9]!, /ORDERS\.extra_rule_03 /);
  });

  it('says so when no rule failed', () => {
    const run = succeededRun();
    for (const table of run.tables) {
      for (const rule of table.rules) {
        rule.failedRows = 0;
      }
    }
    assert.ok(linesOf(renderRunSummaryText(run, 'de')).includes('Keine Regel wurde verletzt.'));
  });

  it('keeps a multi-line message on one line', () => {
    const run = succeededRun();
    run.tables[0]!.rules[1]!.message.en = 'Order ID is\nnot unique.';
    const text = renderRunSummaryText(run, 'en');
    assert.ok(text.includes('ORDERS.order_id_unique         Order ID is not unique.'), text);
  });

  it('prints only the total for a run without tables', () => {
    const run = failedRun();
    run.tables = [];
    run.totals = { rowsRead: 0, silverRows: 0, quarantinedRows: 0, quarantineRatio: 0 };
    const lines = linesOf(renderRunSummaryText(run, 'en'));
    assert.ok(lines.includes('TOTAL  read 0 = silver 0 + quarantine 0 (0.0%)'), lines.join('\n'));
    assert.ok(lines.includes('No rule failed.'));
  });
});
