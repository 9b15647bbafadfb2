import { formatCount, formatPercent, formatSeconds } from '../i18n/format.js';
import type { Language } from '../i18n/language.js';
import { reportMessages, type ReportMessages } from '../i18n/report-messages.js';
import type { RuleResult, RunResult } from '../pipeline/run-result.js';

/** The summary lists at most this many failing rules, while the report lists all of them. */
export const SUMMARY_MAX_RULES = 10;

/** Space between columns. Spaces align the same in terminals, CI logs and log files. */
const GAP = '  ';

interface BalanceRow {
  label: string;
  read: string;
  silver: string;
  quarantine: string;
  ratio: string;
}

/**
 * Renders the plain-text run summary that the CLI prints when a run ends: one balance line
 * per table (`ORDERS  gelesen 9.994 = Silver 9.701 + Quarantäne 293 (2,9 %)`), the totals,
 * the failing rules with the most failed rows, the duration and the report path. Columns are
 * aligned with spaces only, and the text has no color codes, so it reads the same in a log file.
 */
export function renderRunSummaryText(run: RunResult, lang: Language, reportPath?: string): string {
  const messages = reportMessages(lang);
  const lines: string[] = [messages.summaryHeading(run.runId, messages.statusValue[run.status])];

  if (run.error) {
    lines.push(`${messages.summaryError} ${run.error.code}: ${run.error.message[lang]}`);
  }

  lines.push('', ...renderBalanceLines(run, lang, messages));
  lines.push(...renderIncrementalLines(run, lang, messages));

  const warnedRows = run.tables.reduce((sum, table) => sum + table.warnedRows, 0);
  if (warnedRows > 0) {
    lines.push(messages.summaryWarned(plainText(formatCount(lang, warnedRows))));
  }

  lines.push('', ...renderFailingRules(run, lang, messages));

  lines.push('', `${messages.summaryDuration}: ${plainText(formatSeconds(lang, run.durationMs))}`);
  if (reportPath !== undefined) {
    lines.push(`${messages.summaryReport}: ${reportPath}`);
  }

  return `${lines.join('\n')}\n`;
}

/** Renders per table what an incremental delta checked and rewrote, since its rule counts cover only those rows. */
function renderIncrementalLines(run: RunResult, lang: Language, messages: ReportMessages): string[] {
  return run.tables.flatMap((table) => {
    const work = table.delta?.incremental;
    if (!work) {
      return [];
    }
    const count = (value: number): string => plainText(formatCount(lang, value));
    const checked = messages.incrementalCheck(count(work.checkedRows), count(work.affectedRows));
    const files = messages.silverParts(count(work.filesRewritten), count(work.filesRewritten + work.filesKept));
    return [`${table.table}${GAP}${checked}. ${files}.`];
  });
}

function renderBalanceLines(run: RunResult, lang: Language, messages: ReportMessages): string[] {
  const toRow = (label: string, read: number, silver: number, quarantine: number, ratio: number): BalanceRow => ({
    label,
    read: plainText(formatCount(lang, read)),
    silver: plainText(formatCount(lang, silver)),
    quarantine: plainText(formatCount(lang, quarantine)),
    ratio: plainText(formatPercent(lang, ratio, 1)),
  });

  const rows = run.tables.map((table) =>
    toRow(table.table, table.rowsRead, table.silverRows, table.quarantinedRows, table.quarantineRatio),
  );
  const { rowsRead, silverRows, quarantinedRows, quarantineRatio } = run.totals;
  rows.push(toRow(messages.summaryTotal, rowsRead, silverRows, quarantinedRows, quarantineRatio));

  const width = (pick: (row: BalanceRow) => string): number => Math.max(...rows.map((row) => pick(row).length));
  const labelWidth = width((row) => row.label);
  const readWidth = width((row) => row.read);
  const silverWidth = width((row) => row.silver);
  const quarantineWidth = width((row) => row.quarantine);

  return rows.map(
    (row) =>
      `${row.label.padEnd(labelWidth)}${GAP}` +
      `${messages.summaryRead} ${row.read.padStart(readWidth)} = ` +
      `${messages.summarySilver} ${row.silver.padStart(silverWidth)} + ` +
      `${messages.summaryQuarantine} ${row.quarantine.padStart(quarantineWidth)} (${row.ratio})`,
  );
}

/** Lists failing rules by failed rows, most first. On a tie, errors come before warnings. */
function renderFailingRules(run: RunResult, lang: Language, messages: ReportMessages): string[] {
  const failing = run.tables.flatMap((table) =>
    table.rules.filter((rule) => rule.failedRows > 0).map((rule) => ({ table: table.table, rule })),
  );
  if (failing.length === 0) {
    return [messages.summaryNoFailingRules];
  }

  failing.sort((left, right) => right.rule.failedRows - left.rule.failedRows || severityRank(left.rule) - severityRank(right.rule));
  const listed = failing.slice(0, SUMMARY_MAX_RULES).map(({ table, rule }) => ({
    count: plainText(formatCount(lang, rule.failedRows)),
    severity: messages.severityValue[rule.severity],
    name: `${table}.${rule.ruleId}`,
    message: rule.message[lang],
  }));

  const countWidth = Math.max(...listed.map((entry) => entry.count.length));
  const severityWidth = Math.max(...listed.map((entry) => entry.severity.length));
  const nameWidth = Math.max(...listed.map((entry) => entry.name.length));

  return [
    messages.summaryTopRules(listed.length, failing.length),
    ...listed.map(
      (entry) =>
        `${GAP}${entry.count.padStart(countWidth)}${GAP}${entry.severity.padEnd(severityWidth)}${GAP}` +
        `${entry.name.padEnd(nameWidth)}${GAP}${singleLine(entry.message)}`,
    ),
  ];
}

function severityRank(rule: RuleResult): number {
  return rule.severity === 'error' ? 0 : 1;
}

/** Replaces the no-break spaces that Intl puts into some formats (`2,9 %`), because grep expects plain spaces. */
function plainText(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, ' ');
}

/** Keeps one rule per line even when a message from a rule file spans several lines. */
function singleLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
