import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RunResult } from '../../src/pipeline/run-result.js';
import { escapeHtml, renderQualityReportHtml, sortRulesForReport } from '../../src/reports/quality-report-html.js';
import { failedRun, orderDateSamples, succeededRun } from '../fixtures/run-results.js';

const HOSTILE = `<script>alert("x")</script>&"'`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;&#39;';

/** Cuts out the part of the page that lists one table's rules, up to the next section. */
function rulesSection(html: string, table: string): string {
  const start = html.indexOf(`<h2 id="table-${table}">`);
  assert.notEqual(start, -1, `rules section of ${table} missing`);
  const end = html.indexOf('<section', start);
  return end === -1 ? html.slice(start) : html.slice(start, end);
}

function hostileRun(): RunResult {
  const run = failedRun();
  run.runId = `run-${HOSTILE}`;
  run.configFile = `/srv/${HOSTILE}.yaml`;
  run.source = { kind: `pg${HOSTILE}`, description: `postgres://aurora@${HOSTILE}/erp` };
  run.error = { code: `CODE${HOSTILE}`, message: { de: `Fehler ${HOSTILE}`, en: `Error ${HOSTILE}` } };

  const table = run.tables[0]!;
  table.table = `T${HOSTILE}`;
  table.sourceName = `erp.${HOSTILE}`;

  const rule = table.rules[0]!;
  rule.ruleId = `rule${HOSTILE}`;
  rule.column = `col${HOSTILE}`;
  rule.message = { de: `Meldung ${HOSTILE}`, en: `Message ${HOSTILE}` };
  rule.samples = [{ key: { [`key${HOSTILE}`]: `keyvalue${HOSTILE}` }, value: `value${HOSTILE}` }];

  table.rules.push({
    ruleId: 'orders_row_count',
    type: 'row_count',
    severity: 'error',
    message: { de: 'Zu wenige Zeilen.', en: 'Too few rows.' },
    rowsChecked: 1_500,
    failedRows: 1,
    failureRatio: 1 / 1_500,
    samples: [],
    observed: `observed${HOSTILE}`,
  });
  return run;
}

describe('renderQualityReportHtml in German', () => {
  const html = renderQualityReportHtml(succeededRun(), 'de');

  it('sets the document language', () => {
    assert.match(html, /^<!DOCTYPE html>\n<html lang="de">/);
  });

  it('uses German labels', () => {
    for (const label of [
      'Datenqualitätsbericht',
      'Lauf-ID',
      'Beginn',
      'Ende',
      'Dauer',
      'Quelle',
      'Konfigurationsdatei',
      'Gelesene Zeilen',
      'Saubere Zeilen (Silver)',
      'Zeilen in Quarantäne',
      'Quarantäneanteil',
      'Zeilen mit Warnungen',
      'Partitionen',
      'Extrahieren',
      'Prüfen',
      'Veröffentlichen',
      'Silver + Quarantäne = gelesen',
      'Geprüfte Zeilen',
      'Fehlerhafte Zeilen',
      'Beobachteter Wert',
    ]) {
      assert.ok(html.includes(label), `label ${label} missing`);
    }
    assert.ok(!html.includes('Rows read'), 'English label in German report');
  });

  it('formats numbers with German separators', () => {
    assert.ok(html.includes('<td class="num">9.994</td>'), 'rows read 9.994 missing');
    assert.ok(html.includes('<td class="num">24.871</td>'), 'rows read 24.871 missing');
    assert.ok(!html.includes('9,994'), 'English grouping in German report');
    assert.ok(html.includes('2,93\u00a0%'), 'quarantine ratio 2,93 % missing');
    assert.ok(html.includes('5,00\u00a0%'), 'threshold 5,00 % missing');
  });

  it('formats times in German and Berlin time', () => {
    assert.ok(html.includes('>31.12.2025, 14:00:05</time>'), 'start time missing');
    assert.ok(html.includes('>31.12.2025, 14:04:17</time>'), 'end time missing');
    assert.ok(html.includes('252,25 s'), 'run duration missing');
    assert.ok(html.includes('<td class="num">41,25 s</td>'), 'extract duration missing');
  });

  it('shows run header values', () => {
    assert.ok(html.includes('2025-12-31T13-00-05Z-7f3a'));
    assert.ok(html.includes('erfolgreich'));
    assert.ok(html.includes('postgres://aurora@erp-db.example:5432/erp'));
    assert.ok(html.includes('/srv/aurora/aurora.yaml'));
  });

  it('shows rule messages in German', () => {
    assert.ok(html.includes('Bestelldatum ist kein gültiges Datum.'));
    assert.ok(!html.includes('Order date is not a valid date.'));
  });

  it('shows the balance check per table and in total', () => {
    assert.ok(html.includes('✓ 9.701 + 293 = 9.994'), 'ORDERS balance missing');
    assert.ok(html.includes('✓ 24.850 + 21 = 24.871'), 'ORDER_LINES balance missing');
    assert.ok(html.includes('✓ 34.551 + 314 = 34.865'), 'total balance missing');
  });

  it('formats observed values of table rules', () => {
    const section = rulesSection(html, 'ORDERS');
    assert.ok(section.includes('<td>9.994</td>'), 'row_count observation missing');
    assert.ok(section.includes('>30.12.2025, 00:10:00</time>'), 'freshness observation missing');
    assert.ok(section.includes('<td class="num">verletzt</td>'), 'failed table rule not marked');
    assert.ok(section.includes('<td class="num">erfüllt</td>'), 'passed table rule not marked');
  });

  it('shows NULL and empty sample values', () => {
    assert.ok(html.includes('<span class="null">NULL</span>'));
    assert.ok(html.includes('<span class="null">(leer)</span>'));
  });

  it('has no error box for a succeeded run', () => {
    assert.ok(!html.includes('class="error-box"'));
  });
});

describe('renderQualityReportHtml in English', () => {
  const html = renderQualityReportHtml(succeededRun(), 'en');

  it('sets the document language', () => {
    assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  });

  it('uses English labels', () => {
    for (const label of ['Data quality report', 'Run ID', 'Rows read', 'Clean rows (silver)', 'Quarantined rows', 'Failed rows']) {
      assert.ok(html.includes(label), `label ${label} missing`);
    }
    assert.ok(!html.includes('Gelesene Zeilen'), 'German label in English report');
  });

  it('formats numbers with English separators', () => {
    assert.ok(html.includes('<td class="num">9,994</td>'), 'rows read 9,994 missing');
    assert.ok(!html.includes('9.994'), 'German grouping in English report');
    assert.ok(html.includes('2.93%'), 'quarantine ratio missing');
  });

  it('formats times in English', () => {
    assert.ok(html.includes('>31 Dec 2025, 14:00:05</time>'), 'start time missing');
    assert.ok(html.includes('252.25 s'), 'run duration missing');
  });

  it('shows rule messages in English', () => {
    assert.ok(html.includes('Order date is not a valid date.'));
    assert.ok(!html.includes('Bestelldatum ist kein gültiges Datum.'));
  });
});

describe('renderQualityReportHtml', () => {
  it('renders German by default', () => {
    assert.equal(renderQualityReportHtml(succeededRun()), renderQualityReportHtml(succeededRun(), 'de'));
  });

  it('needs nothing outside the file', () => {
    const html = renderQualityReportHtml(succeededRun(), 'de');
    assert.ok(!/<script/i.test(html), 'script element found');
    assert.ok(!/<link/i.test(html), 'link element found');
    assert.ok(!/\ssrc=/i.test(html), 'src attribute found');
    assert.ok(!/url\(/i.test(html), 'CSS url() found');
    for (const match of html.matchAll(/href="([^"]*)"/g)) {
      assert.ok(match[1]!.startsWith('#'), `href ${match[1]} leaves the page`);
    }
  });

  it('escapes every value from the run', () => {
    for (const lang of ['de', 'en'] as const) {
      const html = renderQualityReportHtml(hostileRun(), lang);

      assert.ok(!html.includes('<script'), `${lang}: unescaped script element`);
      assert.ok(!html.includes(`alert("x")`), `${lang}: unescaped quotes`);
      for (const text of ['run-', '/srv/', 'pg', 'postgres://aurora@', 'CODE', 'T', 'erp.', 'rule', 'col', 'key', 'keyvalue', 'value', 'observed']) {
        assert.ok(html.includes(`${text}${HOSTILE_ESCAPED}`), `${lang}: ${text} not escaped`);
      }
      const message = lang === 'de' ? 'Meldung ' : 'Message ';
      assert.ok(html.includes(`${message}${HOSTILE_ESCAPED}`), `${lang}: rule message not escaped`);
      const error = lang === 'de' ? 'Fehler ' : 'Error ';
      assert.ok(html.includes(`${error}${HOSTILE_ESCAPED}`), `${lang}: error message not escaped`);
    }
  });

  it('caps samples at 20 per rule', () => {
    const run = succeededRun();
    const rule = run.tables[0]!.rules.find((entry) => entry.ruleId === 'order_date_is_date')!;
    rule.samples = orderDateSamples(25);

    const html = renderQualityReportHtml(run, 'de');
    const details = /<details>[\s\S]*?<\/details>/g;
    const dateDetails = [...html.matchAll(details)].map((match) => match[0]).find((block) => block.includes('CA-2025-10001'));
    assert.ok(dateDetails, 'samples of order_date_is_date missing');

    const bodyRows = dateDetails.split('<tbody>')[1]!.match(/<tr>/g) ?? [];
    assert.equal(bodyRows.length, 20);
    assert.ok(dateDetails.includes('CA-2025-10020'), 'sample 20 missing');
    assert.ok(!dateDetails.includes('CA-2025-10021'), 'sample 21 shown');
    assert.ok(dateDetails.includes('Beispiele fehlerhafter Zeilen (20 von 289)'));
  });

  it('puts samples in closed details elements', () => {
    const html = renderQualityReportHtml(succeededRun(), 'en');
    assert.ok(html.includes('<details>\n<summary>Sample failing rows (4 of 4)</summary>'));
    assert.ok(!html.includes('<details open'));
  });

  it('shows one column per key column', () => {
    const html = renderQualityReportHtml(succeededRun(), 'en');
    const section = rulesSection(html, 'ORDER_LINES');
    assert.ok(section.includes('<thead><tr><th>order_id</th><th>line_no</th><th>Checked value (order_id)</th></tr></thead>'));
    assert.ok(section.includes('<tr><td><code>CA-2024-999001</code></td><td><code>2</code></td><td><code>CA-2024-999001</code></td></tr>'));
  });

  it('lists failing rules first', () => {
    const section = rulesSection(renderQualityReportHtml(succeededRun(), 'de'), 'ORDERS');
    const order = ['order_date_is_date', 'order_id_unique', 'ship_mode_known', 'orders_fresh', 'customer_id_not_null', 'orders_row_count'];
    const positions = order.map((ruleId) => section.indexOf(`<code>${ruleId}</code>`));
    for (const [index, position] of positions.entries()) {
      assert.notEqual(position, -1, `${order[index]} missing`);
    }
    assert.deepEqual([...positions].sort((left, right) => left - right), positions);
  });

  it('shows an error box for a failed run', () => {
    const de = renderQualityReportHtml(failedRun(), 'de');
    assert.ok(de.includes('<section class="error-box" role="alert">'));
    assert.ok(de.includes('Lauf fehlgeschlagen'));
    assert.ok(de.includes('<code>QUARANTINE_THRESHOLD_EXCEEDED</code>'));
    assert.ok(de.includes('Quarantäne-Anteil von ORDERS ist 6,67 %'));
    assert.ok(de.indexOf('class="error-box"') < de.indexOf('class="totals"'), 'error box not above the totals');

    const en = renderQualityReportHtml(failedRun(), 'en');
    assert.ok(en.includes('Run failed'));
    assert.ok(en.includes('Quarantine ratio of ORDERS is 6.67%'));
  });

  it('marks an exceeded threshold', () => {
    const html = renderQualityReportHtml(failedRun(), 'de');
    assert.ok(html.includes('<span class="bad">6,67\u00a0% (überschritten)</span>'));
  });

  it('flags rows that do not add up', () => {
    const run = succeededRun();
    run.tables[0]!.silverRows = 9_700;
    const html = renderQualityReportHtml(run, 'de');
    assert.ok(html.includes('✗ 9.700 + 293 ≠ 9.994 (Abweichung: -1 Zeilen)'));
  });

  it('renders a run without tables', () => {
    const run = failedRun();
    run.tables = [];
    const html = renderQualityReportHtml(run, 'en');
    assert.ok(html.includes('No table was processed in this run.'));
  });

  it('renders a table without rules', () => {
    const run = succeededRun();
    run.tables[1]!.rules = [];
    const html = renderQualityReportHtml(run, 'de');
    assert.ok(rulesSection(html, 'ORDER_LINES').includes('Für diese Tabelle sind keine Regeln definiert.'));
  });
});

describe('escapeHtml', () => {
  it('escapes the five special characters', () => {
    assert.equal(escapeHtml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });

  it('escapes an ampersand only once', () => {
    assert.equal(escapeHtml('&amp;'), '&amp;amp;');
  });
});

describe('sortRulesForReport', () => {
  it('keeps configured order among passing rules', () => {
    const rules = succeededRun().tables[0]!.rules;
    const sorted = sortRulesForReport(rules).map((rule) => rule.ruleId);
    assert.deepEqual(sorted, [
      'order_date_is_date',
      'order_id_unique',
      'ship_mode_known',
      'orders_fresh',
      'customer_id_not_null',
      'orders_row_count',
    ]);
  });

  it('leaves its input unchanged', () => {
    const rules = succeededRun().tables[0]!.rules;
    const before = rules.map((rule) => rule.ruleId);
    sortRulesForReport(rules);
    assert.deepEqual(
      rules.map((rule) => rule.ruleId),
      before,
    );
  });
});
