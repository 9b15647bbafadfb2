import { getJson, messageOf } from '../api/client.js';
import type { QualityReport, QuarantinePage, QuarantineRow, RunsResponse, RunSummary, TableReport } from '../api/types.js';
import { formatCount, formatDateTime, formatDuration, formatPercent } from '../format/numbers.js';
import { currentLanguage } from '../i18n/language.js';
import { t } from '../i18n/messages.js';
import { replaceRouteState } from '../router.js';
import { formatCell } from '../ui/cell-format.js';
import { element, errorBox, loadingIndicator } from '../ui/dom.js';
import type { PageContext } from './page-context.js';

const QUARANTINE_PAGE_SIZE = 50;

/** Renders the data-quality page: runs, the rule results of one run and its quarantined rows per rule. */
export async function renderQualityPage(container: HTMLElement, context: PageContext): Promise<void> {
  container.replaceChildren(element('h1', { text: t('qualityTitle') }), loadingIndicator(t('loading')));

  let runs: RunsResponse;
  try {
    runs = await getJson<RunsResponse>('/api/v1/runs');
  } catch (error) {
    container.replaceChildren(element('h1', { text: t('qualityTitle') }), errorBox(messageOf(error), () => void renderQualityPage(container, context)));
    return;
  }
  if (runs.runs.length === 0) {
    container.replaceChildren(element('h1', { text: t('qualityTitle') }), element('p', { text: t('noRuns') }));
    return;
  }

  const requested = context.params.get('run');
  const selected = runs.runs.find((run) => run.runId === requested) ?? runs.runs.find((run) => run.current) ?? (runs.runs[0] as RunSummary);
  const reportSlot = element('section', { class: 'report', 'aria-label': t('ruleResults') });
  const quarantineSlot = element('section', { class: 'quarantine', id: 'quarantine' });

  const select = (run: RunSummary): void => {
    replaceRouteState('quality', new URLSearchParams({ run: run.runId }));
    for (const row of container.querySelectorAll<HTMLTableRowElement>('tr[data-run]')) {
      row.classList.toggle('selected', row.dataset.run === run.runId);
      row.querySelector('button')?.setAttribute('aria-pressed', String(row.dataset.run === run.runId));
    }
    quarantineSlot.replaceChildren();
    void renderReport(reportSlot, quarantineSlot, run.runId);
  };

  container.replaceChildren(
    element('h1', { text: t('qualityTitle') }),
    element('h2', { text: t('runs') }),
    element('div', { class: 'table-scroll' }, [runsTable(runs.runs, select)]),
    reportSlot,
    quarantineSlot,
  );
  select(selected);
}

function runsTable(runs: readonly RunSummary[], select: (run: RunSummary) => void): HTMLElement {
  const headers = [t('run'), t('status'), t('mode'), t('started'), t('duration'), t('rowsRead'), t('silverRows'), t('quarantinedRows')];
  const rows = runs.map((run) => {
    const button = element('button', { type: 'button', class: 'link-button', 'aria-pressed': 'false', text: run.runId });
    button.addEventListener('click', () => select(run));
    return element('tr', { 'data-run': run.runId }, [
      element('th', { scope: 'row' }, [button, run.current ? element('span', { class: 'badge', text: t('publishedRun') }) : null]),
      element('td', {}, [element('span', { class: `status status-${run.status}`, text: t(run.status === 'succeeded' ? 'statusSucceeded' : 'statusFailed') })]),
      element('td', { text: run.mode }),
      element('td', { text: formatDateTime(run.startedAt) }),
      element('td', { class: 'numeric', text: formatDuration(run.durationMs) }),
      element('td', { class: 'numeric', text: formatCount(run.rowsRead) }),
      element('td', { class: 'numeric', text: formatCount(run.silverRows) }),
      element('td', { class: 'numeric', text: formatCount(run.quarantinedRows) }),
    ]);
  });
  return element('table', { class: 'data-table runs-table' }, [
    element('thead', {}, [element('tr', {}, headers.map((header) => element('th', { scope: 'col', text: header })))]),
    element('tbody', {}, rows),
  ]);
}

async function renderReport(slot: HTMLElement, quarantineSlot: HTMLElement, runId: string): Promise<void> {
  slot.replaceChildren(loadingIndicator(t('loading')));
  let report: QualityReport;
  try {
    report = await getJson<QualityReport>(`/api/v1/quality/${encodeURIComponent(runId)}`);
  } catch (error) {
    slot.replaceChildren(errorBox(messageOf(error), () => void renderReport(slot, quarantineSlot, runId)));
    return;
  }

  slot.replaceChildren(
    element('h2', { text: `${t('ruleResults')} – ${runId}` }),
    element('p', {
      class: 'selection-summary',
      text: `${t('rowsRead')}: ${formatCount(report.totals.rowsRead)} · ${t('silverRows')}: ${formatCount(report.totals.silverRows)} · ${t('quarantinedRows')}: ${formatCount(report.totals.quarantinedRows)} (${formatPercent(report.totals.quarantineRatio)})`,
    }),
    ...report.tables.map((table) => tableReport(runId, table, quarantineSlot)),
  );
}

function tableReport(runId: string, table: TableReport, quarantineSlot: HTMLElement): HTMLElement {
  const language = currentLanguage();
  const rules = [...table.rules].sort((a, b) => b.failedRows - a.failedRows);
  const rows = rules.map((rule) => {
    const quarantineButton =
      rule.failedRows > 0 && rule.severity === 'error'
        ? element('button', {
            type: 'button',
            class: 'button small secondary',
            text: t('showQuarantine'),
            onclick: () => void renderQuarantine(quarantineSlot, runId, table.table, rule.ruleId),
          })
        : null;
    return element('tr', { class: rule.passed ? 'passed' : 'failed' }, [
      element('th', { scope: 'row', text: rule.ruleId }),
      element('td', {}, [element('span', { class: `severity severity-${rule.severity}`, text: t(rule.severity === 'error' ? 'severityError' : 'severityWarn') })]),
      element('td', { text: rule.column ?? '–' }),
      element('td', { text: rule.message[language] }),
      element('td', { class: 'numeric', text: formatCount(rule.failedRows) }),
      element('td', { class: 'numeric', text: formatPercent(rule.failureRatio) }),
      element('td', {}, [quarantineButton]),
    ]);
  });
  const headers = [t('rule'), t('severity'), t('column'), t('message'), t('failedRows'), t('failureRatio'), ''];
  return element('details', { class: 'table-report', open: table.quarantinedRows > 0 || table.warnedRows > 0 }, [
    element('summary', {
      text: t('tableSummary', {
        table: table.table,
        read: formatCount(table.rowsRead),
        quarantined: formatCount(table.quarantinedRows),
        share: formatPercent(table.quarantineRatio),
      }),
    }),
    element('div', { class: 'table-scroll' }, [
      element('table', { class: 'data-table rules-table' }, [
        element('thead', {}, [element('tr', {}, headers.map((header) => element('th', { scope: 'col', text: header })))]),
        element('tbody', {}, rows),
      ]),
    ]),
  ]);
}

async function renderQuarantine(slot: HTMLElement, runId: string, table: string, rule: string): Promise<void> {
  const heading = element('h2', { text: t('quarantineFor', { table, rule }), tabindex: '-1' });
  const list = element('div', { class: 'table-scroll' });
  const more = element('div', { class: 'load-more' });
  slot.replaceChildren(heading, list, more);
  heading.focus();
  let rows: QuarantineRow[] = [];

  const load = async (cursor?: string): Promise<void> => {
    more.replaceChildren(loadingIndicator(t('loading')));
    try {
      const page = await getJson<QuarantinePage>(`/api/v1/quality/${encodeURIComponent(runId)}/quarantine`, {
        table,
        rule,
        limit: String(QUARANTINE_PAGE_SIZE),
        cursor,
      });
      rows = [...rows, ...page.rows];
      list.replaceChildren(quarantineTable(rows));
      more.replaceChildren();
      if (page.nextCursor !== null) {
        const next = page.nextCursor;
        more.append(element('button', { type: 'button', class: 'button', text: t('loadMore'), onclick: () => void load(next) }));
      }
    } catch (error) {
      more.replaceChildren(errorBox(messageOf(error), () => void load(cursor)));
    }
  };
  await load();
}

function quarantineTable(rows: readonly QuarantineRow[]): HTMLElement {
  if (rows.length === 0) {
    return element('p', { text: t('noRows') });
  }
  const columns = Object.keys(rows[0]?.values ?? {});
  return element('table', { class: 'data-table quarantine-table' }, [
    element('thead', {}, [element('tr', {}, [element('th', { scope: 'col', text: t('message') }), ...columns.map((column) => element('th', { scope: 'col', text: column }))])]),
    element(
      'tbody',
      {},
      rows.map((row) =>
        element('tr', {}, [
          element('td', { class: 'failures', text: row.failures.map((failure) => `${failure.ruleId}: ${failure.message}`).join('\n') }),
          ...columns.map((column) => element('td', { text: formatCell(row.values[column] ?? null, row.values) })),
        ]),
      ),
    ),
  ]);
}
