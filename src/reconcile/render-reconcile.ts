import { formatCount, formatDateTime, formatDecimalText } from '../i18n/format.js';
import type { Language } from '../i18n/language.js';
import { reconcileMessages, type ReconcileMessages } from '../i18n/reconcile-messages.js';
import { escapeHtml } from '../reports/quality-report-html.js';
import type { KeyDifference, ReconcileResult, TableReconciliation } from './types.js';

/** Formats one table's row of the summary for `language`. */
function summaryCells(table: TableReconciliation, language: Language, messages: ReconcileMessages): string[] {
  let measures = table.measuresMatch ? messages.yes : messages.no;
  if (table.measures.length === 0) {
    measures = messages.noMeasures;
  }
  return [
    table.table,
    formatCount(language, table.sourceRows),
    formatCount(language, table.silverRows),
    formatCount(language, table.quarantineRows),
    formatCount(language, table.difference),
    measures,
    formatCount(language, table.rangesChecked),
    formatCount(language, table.rangesDiffering),
    formatCount(language, table.differingKeys),
  ];
}

function headerCells(messages: ReconcileMessages): string[] {
  const h = messages.headers;
  return [h.table, h.sourceRows, h.silver, h.quarantine, h.difference, h.measuresMatch, h.rangesChecked, h.rangesDiffering, h.differingKeys];
}

/** Renders a key as `NAME=value, NAME=value`, with NULL for a missing value. */
export function describeKey(difference: KeyDifference): string {
  return Object.entries(difference.key)
    .map(([name, value]) => `${name}=${value ?? 'NULL'}`)
    .join(', ');
}

/** Lists the details below the summary, one line each: differing sums, differing keys and how many more keys differ. */
function detailLines(table: TableReconciliation, language: Language, messages: ReconcileMessages): string[] {
  const lines: string[] = [];
  for (const measure of table.measures.filter((entry) => !entry.matches)) {
    lines.push(
      messages.measureDiffers(
        measure.column,
        formatDecimalText(language, measure.source ?? 'NULL'),
        formatDecimalText(language, measure.target ?? 'NULL'),
      ),
    );
  }
  for (const difference of table.keys) {
    const columns = difference.columns.length > 0 ? ` (${difference.columns.join(', ')})` : '';
    lines.push(`${describeKey(difference)}: ${messages.kind[difference.kind]}${columns}`);
  }
  if (table.keysNotListed > 0) {
    lines.push(messages.moreKeys(formatCount(language, table.keysNotListed)));
  }
  return lines;
}

/** Renders the result as an aligned text table for the terminal, with the differences below it. */
export function renderReconcileText(result: ReconcileResult, language: Language): string {
  const messages = reconcileMessages(language);
  const rows = [headerCells(messages), ...result.tables.map((table) => summaryCells(table, language, messages))];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const format = (row: string[]): string =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');

  const lines = [messages.snapshot(result.runId), '', format(rows[0] ?? [])];
  lines.push(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows.slice(1)) {
    lines.push(format(row));
  }

  for (const table of result.tables) {
    const details = detailLines(table, language, messages);
    if (details.length > 0) {
      lines.push('', `${table.table}:`, ...details.map((line) => `  ${line}`));
    }
  }
  if (result.matches) {
    lines.push('', messages.allMatch);
  }
  return lines.join('\n');
}

/**
 * Renders the result as one self-contained HTML page: inline CSS, no scripts, no external
 * references. Every value passes through `escapeHtml`, because keys and column names come
 * from the source database.
 */
export function renderReconcileHtml(result: ReconcileResult, language: Language): string {
  const messages = reconcileMessages(language);
  const header = headerCells(messages).map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const body = result.tables
    .map((table) => {
      const cells = summaryCells(table, language, messages).map((cell) => `<td>${escapeHtml(cell)}</td>`).join('');
      return `<tr class="${table.matches ? 'ok' : 'differs'}">${cells}</tr>`;
    })
    .join('\n');

  const details = result.tables
    .map((table) => {
      const lines = detailLines(table, language, messages);
      if (lines.length === 0) {
        return '';
      }
      return `<h2>${escapeHtml(table.table)}</h2>\n<ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`;
    })
    .join('\n');

  return `<!DOCTYPE html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(messages.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.differs { background: #fde8e8; }
tr.ok { background: #e8f6e8; }
</style>
</head>
<body>
<h1>${escapeHtml(messages.snapshot(result.runId))}</h1>
<p>${escapeHtml(messages.checkedAt)}: ${escapeHtml(formatDateTime(language, new Date(result.checkedAt)))}<br>
${escapeHtml(messages.source)}: <code>${escapeHtml(`${result.source.kind}: ${result.source.description}`)}</code></p>
<table>
<thead><tr>${header}</tr></thead>
<tbody>
${body}
</tbody>
</table>
${result.matches ? `<p>${escapeHtml(messages.allMatch)}</p>` : details}
</body>
</html>
`;
}
