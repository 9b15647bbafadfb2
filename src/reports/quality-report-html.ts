import { formatCount, formatDateTime, formatDecimalText, formatPercent, formatSeconds } from '../i18n/format.js';
import { DEFAULT_LANGUAGE, type Language } from '../i18n/language.js';
import { reportMessages, type ReportMessages } from '../i18n/report-messages.js';
import { describeSchemaChange } from '../i18n/schema-change-text.js';
import type { FailureSample, RuleResult, RunResult, TableResult } from '../pipeline/run-result.js';
import { TABLE_RULE_TYPES } from '../quality/types.js';
import { MAX_SAMPLES_PER_RULE } from './quality-report-json.js';

/** Report times are shown in the zone of the controllers who read the report. */
const REPORT_TIME_ZONE = 'Europe/Berlin';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Escapes the five HTML special characters. Every shown value passes through it, because it comes from files and databases. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * Renders the data-quality report of one run as a single HTML document in `lang` (German by
 * default). The page has inline CSS only, no scripts and no external references, so it opens
 * from file:// and from mail attachments. A Content-Security-Policy blocks anything else.
 */
export function renderQualityReportHtml(run: RunResult, lang: Language = DEFAULT_LANGUAGE): string {
  const messages = reportMessages(lang);
  const context: RenderContext = { lang, messages };

  const body = [
    renderHeader(run, context),
    run.error ? renderErrorBox(run, context) : '',
    renderTotals(run, context),
    renderTableOverview(run, context),
    ...run.tables.map((table) => `${renderTableChanges(table, context)}${renderTableRules(table, context)}`),
  ].join('\n');

  return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(messages.documentTitle(run.runId))}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

interface RenderContext {
  lang: Language;
  messages: ReportMessages;
}

function renderHeader(run: RunResult, { lang, messages }: RenderContext): string {
  const statusClass = run.status === 'succeeded' ? 'ok' : 'bad';
  const rows: [string, string][] = [
    [messages.runId, `<code>${escapeHtml(run.runId)}</code>`],
    [messages.status, `<span class="status ${statusClass}">${escapeHtml(messages.statusValue[run.status])}</span>`],
    [messages.mode, escapeHtml(run.mode === 'full' ? messages.modeFull : run.mode === 'delta' ? messages.modeDelta : run.mode)],
    [messages.startedAt, renderInstant(lang, run.startedAt)],
    [messages.finishedAt, renderInstant(lang, run.finishedAt)],
    [messages.duration, escapeHtml(formatSeconds(lang, run.durationMs))],
    [messages.source, `${escapeHtml(run.source.kind)}: <code>${escapeHtml(run.source.description)}</code>`],
    [messages.configFile, `<code>${escapeHtml(run.configFile)}</code>`],
  ];

  return `<header>
<h1>${escapeHtml(messages.heading)}</h1>
${renderDefinitionList(rows)}
<p class="note">${escapeHtml(messages.timeZoneNote(REPORT_TIME_ZONE))}</p>
</header>`;
}

function renderErrorBox(run: RunResult, { lang, messages }: RenderContext): string {
  if (!run.error) {
    return '';
  }

  return `<section class="error-box" role="alert">
<h2>${escapeHtml(messages.runFailed)}</h2>
<p>${escapeHtml(messages.errorCode)}: <code>${escapeHtml(run.error.code)}</code></p>
<p class="error-message">${escapeHtml(run.error.message[lang])}</p>
</section>`;
}

function renderTotals(run: RunResult, { lang, messages }: RenderContext): string {
  const warnedRows = run.tables.reduce((sum, table) => sum + table.warnedRows, 0);
  const failingRules = run.tables.reduce((sum, table) => sum + table.rules.filter((rule) => rule.failedRows > 0).length, 0);
  const { rowsRead, silverRows, quarantinedRows, quarantineRatio } = run.totals;

  const rows: [string, string][] = [
    [messages.rowsRead, escapeHtml(formatCount(lang, rowsRead))],
    [messages.silverRows, escapeHtml(formatCount(lang, silverRows))],
    [messages.quarantinedRows, escapeHtml(formatCount(lang, quarantinedRows))],
    [messages.quarantineRatio, escapeHtml(formatPercent(lang, quarantineRatio))],
    [messages.balanceCheck, renderBalance(rowsRead, silverRows, quarantinedRows, lang, messages)],
    [messages.warnedRows, `${escapeHtml(formatCount(lang, warnedRows))} <span class="note">${escapeHtml(messages.warnedRowsNote)}</span>`],
    [messages.failingRules, escapeHtml(formatCount(lang, failingRules))],
  ];

  return `<section class="totals">
<h2>${escapeHtml(messages.totals)}</h2>
${renderDefinitionList(rows)}
</section>`;
}

function renderTableOverview(run: RunResult, { lang, messages }: RenderContext): string {
  if (run.tables.length === 0) {
    return `<section>
<h2>${escapeHtml(messages.tables)}</h2>
<p>${escapeHtml(messages.noTables)}</p>
</section>`;
  }

  const headers = [
    messages.table,
    messages.sourceName,
    messages.rowsRead,
    messages.silverRows,
    messages.quarantinedRows,
    messages.quarantineRatio,
    messages.threshold,
    messages.balanceCheck,
    messages.warnedRows,
    messages.partitions,
    messages.extract,
    messages.validate,
    messages.publish,
  ];
  const rows = run.tables.map((table) => renderTableOverviewRow(table, lang, messages));

  return `<section>
<h2>${escapeHtml(messages.tables)}</h2>
<div class="scroll"><table class="overview">
<thead><tr>${headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
</section>`;
}

function renderTableOverviewRow(table: TableResult, lang: Language, messages: ReportMessages): string {
  const exceeded = table.maxQuarantineRatio !== undefined && table.quarantineRatio > table.maxQuarantineRatio;
  const threshold =
    table.maxQuarantineRatio === undefined
      ? escapeHtml(messages.noThreshold)
      : escapeHtml(formatPercent(lang, table.maxQuarantineRatio));
  const ratio = exceeded
    ? `<span class="bad">${escapeHtml(formatPercent(lang, table.quarantineRatio))} (${escapeHtml(messages.thresholdExceeded)})</span>`
    : escapeHtml(formatPercent(lang, table.quarantineRatio));

  const cells = [
    `<th scope="row"><a href="#${tableAnchor(table.table)}">${escapeHtml(table.table)}</a></th>`,
    `<td><code>${escapeHtml(table.sourceName)}</code></td>`,
    numberCell(formatCount(lang, table.rowsRead)),
    numberCell(formatCount(lang, table.silverRows)),
    numberCell(formatCount(lang, table.quarantinedRows)),
    `<td class="num">${ratio}</td>`,
    numberCell(threshold, false),
    `<td>${renderBalance(table.rowsRead, table.silverRows, table.quarantinedRows, lang, messages)}</td>`,
    numberCell(formatCount(lang, table.warnedRows)),
    numberCell(formatCount(lang, table.partitions)),
    numberCell(formatSeconds(lang, table.timings.extractMs)),
    numberCell(formatSeconds(lang, table.timings.validateMs)),
    numberCell(formatSeconds(lang, table.timings.publishMs)),
  ];

  return `<tr>${cells.join('')}</tr>`;
}

/** Shows `silver + quarantine = read` with the numbers, flagged when the rows do not add up. */
function renderBalance(rowsRead: number, silverRows: number, quarantinedRows: number, lang: Language, messages: ReportMessages): string {
  const difference = silverRows + quarantinedRows - rowsRead;
  const equation = `${formatCount(lang, silverRows)} + ${formatCount(lang, quarantinedRows)}`;

  if (difference === 0) {
    return `<span class="ok">✓ ${escapeHtml(`${equation} = ${formatCount(lang, rowsRead)}`)}</span>`;
  }

  const signedDifference = `${difference > 0 ? '+' : ''}${formatCount(lang, difference)}`;
  return `<span class="bad">✗ ${escapeHtml(`${equation} ≠ ${formatCount(lang, rowsRead)}`)} (${escapeHtml(
    messages.balanceMismatch(signedDifference),
  )})</span>`;
}

/** Lists what a run changed in a table beyond validation; empty for a plain full load. */
function renderTableChanges(table: TableResult, { lang, messages }: RenderContext): string {
  const delta = table.delta;
  const rows: [string, string][] = [];
  if (delta?.readFrom !== undefined) {
    rows.push([messages.rowsFromSource, formatCount(lang, delta.changedRows)]);
    rows.push([messages.readFrom, escapeHtml(delta.readFrom)]);
  }
  if (delta && delta.deletedRows > 0) {
    rows.push([messages.deletedRows, formatCount(lang, delta.deletedRows)]);
  }
  if (delta?.incremental) {
    const { checkedRows, affectedRows, filesRewritten, filesKept } = delta.incremental;
    rows.push([messages.rowsChecked, escapeHtml(messages.incrementalCheck(formatCount(lang, checkedRows), formatCount(lang, affectedRows)))]);
    rows.push(['Silver', escapeHtml(messages.silverParts(formatCount(lang, filesRewritten), formatCount(lang, filesRewritten + filesKept)))]);
  }
  if (delta?.watermarkHigh) {
    rows.push([messages.watermarkHigh, escapeHtml(delta.watermarkHigh)]);
  }
  if (table.schemaChanges && table.schemaChanges.length > 0) {
    rows.push([messages.schemaChanges, table.schemaChanges.map((change) => escapeHtml(describeSchemaChange(lang, change))).join('<br>')]);
  }
  if (rows.length === 0) {
    return '';
  }
  return `<section class="table-changes">
<h2>${escapeHtml(messages.table)} ${escapeHtml(table.table)}: ${escapeHtml(messages.changes)}</h2>
${renderDefinitionList(rows)}
</section>
`;
}

function renderTableRules(table: TableResult, { lang, messages }: RenderContext): string {
  const heading = `<h2 id="${tableAnchor(table.table)}">${escapeHtml(messages.table)} ${escapeHtml(table.table)}: ${escapeHtml(messages.rules)}</h2>`;

  if (table.rules.length === 0) {
    return `<section class="table-rules">
${heading}
<p>${escapeHtml(messages.noRules)}</p>
</section>`;
  }

  const headers = [
    messages.ruleId,
    messages.ruleType,
    messages.column,
    messages.severity,
    messages.rowsChecked,
    messages.failedRows,
    messages.failureRatio,
    messages.message,
    messages.observed,
  ];
  const rules = sortRulesForReport(table.rules);

  return `<section class="table-rules">
${heading}
<div class="scroll"><table class="rules">
<thead><tr>${headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('')}</tr></thead>
<tbody>
${rules.map((rule) => renderRuleRows(rule, lang, messages, headers.length)).join('\n')}
</tbody>
</table></div>
</section>`;
}

function renderRuleRows(rule: RuleResult, lang: Language, messages: ReportMessages, columnCount: number): string {
  const failing = rule.failedRows > 0;
  const tableRule = isTableRuleType(rule.type);
  const rowClass = failing ? `failing ${rule.severity}` : 'passing';

  const failed = tableRule
    ? escapeHtml(failing ? messages.tableRuleFailed : messages.tableRulePassed)
    : escapeHtml(formatCount(lang, rule.failedRows));
  const ratio = tableRule ? escapeHtml(messages.notApplicable) : escapeHtml(formatPercent(lang, rule.failureRatio));
  const observed = rule.observed === undefined ? escapeHtml(messages.notApplicable) : renderObserved(lang, rule.observed);

  const cells = [
    `<td><code>${escapeHtml(rule.ruleId)}</code></td>`,
    `<td><code>${escapeHtml(rule.type)}</code></td>`,
    `<td>${rule.column === undefined ? escapeHtml(messages.notApplicable) : `<code>${escapeHtml(rule.column)}</code>`}</td>`,
    `<td><span class="severity ${rule.severity}">${escapeHtml(messages.severityValue[rule.severity])}</span></td>`,
    numberCell(formatCount(lang, rule.rowsChecked)),
    numberCell(failed, false),
    numberCell(ratio, false),
    `<td>${escapeHtml(rule.message[lang])}</td>`,
    `<td>${observed}</td>`,
  ];
  const ruleRow = `<tr class="${rowClass}">${cells.join('')}</tr>`;

  if (rule.samples.length === 0) {
    return ruleRow;
  }
  return `${ruleRow}\n<tr class="samples"><td colspan="${columnCount}">${renderSamples(rule, lang, messages)}</td></tr>`;
}

/** Renders up to MAX_SAMPLES_PER_RULE failing rows in a closed `<details>`, one column per key column. */
function renderSamples(rule: RuleResult, lang: Language, messages: ReportMessages): string {
  const samples = rule.samples.slice(0, MAX_SAMPLES_PER_RULE);
  const keyColumns = collectKeyColumns(samples);
  const valueHeader = rule.column === undefined ? messages.sampleValue : `${messages.sampleValue} (${rule.column})`;
  const summary = messages.samples(formatCount(lang, samples.length), formatCount(lang, rule.failedRows));

  const header = [...keyColumns, valueHeader].map((name) => `<th>${escapeHtml(name)}</th>`).join('');
  const rows = samples.map((sample) => {
    const keyCells = keyColumns.map((column) => `<td>${renderRawValue(sample.key[column], messages)}</td>`);
    return `<tr>${keyCells.join('')}<td>${renderRawValue(sample.value, messages)}</td></tr>`;
  });

  return `<details>
<summary>${escapeHtml(summary)}</summary>
<table class="sample-rows">
<thead><tr>${header}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</details>`;
}

/** Key column names in order of first appearance, so a composite key keeps its declared order. */
function collectKeyColumns(samples: FailureSample[]): string[] {
  const columns: string[] = [];
  for (const sample of samples) {
    for (const column of Object.keys(sample.key)) {
      if (!columns.includes(column)) {
        columns.push(column);
      }
    }
  }
  return columns;
}

/** Shows a source value as it was read, because reformatting would hide what is wrong with it. */
function renderRawValue(value: string | null | undefined, messages: ReportMessages): string {
  if (value === null || value === undefined) {
    return `<span class="null">${escapeHtml(messages.nullValue)}</span>`;
  }
  if (value === '') {
    return `<span class="null">${escapeHtml(messages.emptyValue)}</span>`;
  }
  return `<code>${escapeHtml(value)}</code>`;
}

/** Formats a table rule's observed value: a count or decimal by locale, an instant as a date. */
function renderObserved(lang: Language, observed: string): string {
  if (ISO_INSTANT.test(observed)) {
    return renderInstant(lang, observed);
  }
  return escapeHtml(formatDecimalText(lang, observed));
}

function renderInstant(lang: Language, isoInstant: string): string {
  const instant = new Date(isoInstant);
  if (Number.isNaN(instant.getTime())) {
    return escapeHtml(isoInstant);
  }
  return `<time datetime="${escapeHtml(isoInstant)}">${escapeHtml(formatDateTime(lang, instant, REPORT_TIME_ZONE))}</time>`;
}

/**
 * Orders rules so that the ones to act on come first: failing before passing, errors before
 * warnings, then more failed rows first. Rules that tie keep their configured order.
 */
export function sortRulesForReport(rules: readonly RuleResult[]): RuleResult[] {
  return [...rules].sort((left, right) => {
    const leftFailing = left.failedRows > 0 ? 0 : 1;
    const rightFailing = right.failedRows > 0 ? 0 : 1;
    if (leftFailing !== rightFailing) {
      return leftFailing - rightFailing;
    }
    if (leftFailing === 1) {
      return 0;
    }

    const leftSeverity = left.severity === 'error' ? 0 : 1;
    const rightSeverity = right.severity === 'error' ? 0 : 1;
    if (leftSeverity !== rightSeverity) {
      return leftSeverity - rightSeverity;
    }
    return right.failedRows - left.failedRows;
  });
}

function isTableRuleType(type: RuleResult['type']): boolean {
  return (TABLE_RULE_TYPES as readonly string[]).includes(type);
}

/** Builds an HTML id from a table name. The prefix keeps it valid for names that start with a digit. */
function tableAnchor(table: string): string {
  return `table-${encodeURIComponent(table).replaceAll('%', '_')}`;
}

function numberCell(text: string, escape = true): string {
  return `<td class="num">${escape ? escapeHtml(text) : text}</td>`;
}

function renderDefinitionList(rows: [string, string][]): string {
  const items = rows.map(([label, valueHtml]) => `<dt>${escapeHtml(label)}</dt><dd>${valueHtml}</dd>`);
  return `<dl>\n${items.join('\n')}\n</dl>`;
}

const STYLE = `
:root { color-scheme: light; --ok: #1a7f37; --bad: #b42318; --warn: #9a6700; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #1f2328; line-height: 1.4; }
h1 { margin-bottom: 0.5rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: 0.25rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0.5rem 0; }
dt { font-weight: 600; }
dd { margin: 0; }
code { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; font-size: 0.9em; word-break: break-all; }
.note { color: var(--muted); font-size: 0.9em; }
.ok { color: var(--ok); }
.bad { color: var(--bad); font-weight: 600; }
.status { padding: 0.1rem 0.5rem; border-radius: 0.25rem; color: #fff; font-weight: 600; }
.status.ok { background: var(--ok); }
.status.bad { background: var(--bad); color: #fff; }
.error-box { border: 3px solid var(--bad); background: #fff1f0; padding: 1rem 1.25rem; margin: 1.5rem 0; border-radius: 0.5rem; }
.error-box h2 { color: var(--bad); margin-top: 0; border: 0; }
.error-message { white-space: pre-wrap; font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.failing.error td:first-child { border-left: 4px solid var(--bad); }
tr.failing.warn td:first-child { border-left: 4px solid var(--warn); }
tr.passing { color: var(--muted); }
.severity.error { color: var(--bad); font-weight: 600; }
.severity.warn { color: var(--warn); font-weight: 600; }
tr.samples > td { background: #fafbfc; }
details summary { cursor: pointer; color: var(--muted); }
table.sample-rows { width: auto; margin: 0.5rem 0; }
.null { color: var(--muted); font-style: italic; }
@media print { details { display: block; } .scroll { overflow: visible; } }
`;
