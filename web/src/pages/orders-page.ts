import { buildUrl, getJson, messageOf } from '../api/client.js';
import type { CellValue, OrdersPage } from '../api/types.js';
import { formatCount } from '../format/numbers.js';
import { currentLanguage } from '../i18n/language.js';
import { columnTitle } from '../i18n/model-labels.js';
import { t } from '../i18n/messages.js';
import { replaceRouteState } from '../router.js';
import { formatCell, isNumericCell } from '../ui/cell-format.js';
import { createDateField } from '../ui/date-input.js';
import { element, errorBox, loadingIndicator } from '../ui/dom.js';
import { mayUse, type PageContext } from './page-context.js';

const PAGE_SIZE = 100;

/** Renders the orders table: date range, sorting by column header and "load more" with the API's cursor. */
export function renderOrdersPage(container: HTMLElement, context: PageContext): void {
  const state = {
    from: context.params.get('from') ?? '',
    to: context.params.get('to') ?? '',
    sort: context.params.get('sort') ?? '',
  };
  const tableSlot = element('div', { class: 'table-scroll' });
  const statusSlot = element('p', { class: 'selection-summary', role: 'status' });
  const moreSlot = element('div', { class: 'load-more' });
  const exportSlot = element('div', { class: 'export-links' });
  let rows: Record<string, CellValue>[] = [];
  // Headings declared under api.orders in aurora.yaml; columns without one use the model labels.
  let headings = new Map<string, string>();
  const headingOf = (column: string): string => headings.get(column) ?? columnTitle(column);
  let loadNumber = 0;

  const query = (): Record<string, string> => ({ from: state.from, to: state.to, sort: state.sort });

  const renderExports = (): void => {
    if (!mayUse(context.me, 'exports')) {
      return;
    }
    exportSlot.replaceChildren(
      element('h2', { text: t('export') }),
      ...(['csv', 'xlsx'] as const).map((format) =>
        element('a', {
          class: 'button secondary',
          'data-format': format,
          download: true,
          href: buildUrl('/api/v1/exports/orders', { ...query(), format, lang: currentLanguage() }),
          text: t(format === 'csv' ? 'exportCsv' : 'exportXlsx'),
        }),
      ),
    );
  };

  const renderTable = (): void => {
    const columns = Object.keys(rows[0] ?? {});
    if (columns.length === 0) {
      tableSlot.replaceChildren(element('p', { text: t('noRows') }));
      return;
    }
    const header = element(
      'tr',
      {},
      columns.map((column) => {
        let direction = 'none';
        if (state.sort === column) {
          direction = 'ascending';
        } else if (state.sort === `-${column}`) {
          direction = 'descending';
        }
        const button = element('button', { type: 'button', class: 'sort-button', text: headingOf(column), 'aria-label': t('sortBy', { column: headingOf(column) }) });
        button.addEventListener('click', () => {
          state.sort = state.sort === column ? `-${column}` : column;
          void load(false);
        });
        return element('th', { scope: 'col', 'aria-sort': direction, class: isNumericCell(rows[0]?.[column] ?? null) ? 'numeric' : undefined }, [button]);
      }),
    );
    const body = rows.map((row) =>
      element(
        'tr',
        {},
        columns.map((column) => element('td', { class: isNumericCell(row[column] ?? null) ? 'numeric' : undefined, text: formatCell(row[column] ?? null, row) })),
      ),
    );
    tableSlot.replaceChildren(element('table', { class: 'data-table orders-table' }, [element('thead', {}, [header]), element('tbody', {}, body)]));
  };

  /** Loads the first page (append false) or the page after `cursor`. */
  const load = async (append: boolean, cursor?: string): Promise<void> => {
    const number = ++loadNumber;
    replaceRouteState('orders', new URLSearchParams(Object.entries(query()).filter(([, value]) => value !== '')));
    renderExports();
    if (!append) {
      tableSlot.replaceChildren(loadingIndicator(t('loading')));
    }
    moreSlot.replaceChildren();

    try {
      const page = await getJson<OrdersPage>('/api/v1/orders', { ...query(), limit: String(PAGE_SIZE), cursor });
      if (number !== loadNumber) {
        return;
      }
      headings = new Map(page.columns.map((column) => [column.name, column.label]));
      rows = append ? [...rows, ...page.rows] : page.rows;
      renderTable();
      statusSlot.textContent = page.nextCursor === null ? t('allRowsShown', { count: formatCount(rows.length) }) : t('rowsShown', { count: formatCount(rows.length) });
      if (page.nextCursor !== null) {
        const next = page.nextCursor;
        const more = element('button', { type: 'button', class: 'button', text: t('loadMore') });
        more.addEventListener('click', () => void load(true, next));
        moreSlot.replaceChildren(more);
      }
    } catch (error) {
      if (number !== loadNumber) {
        return;
      }
      const failure = errorBox(messageOf(error), () => void load(append, cursor));
      if (append) {
        moreSlot.replaceChildren(failure);
      } else {
        tableSlot.replaceChildren(failure);
      }
    }
  };

  const dateField = (bound: 'from' | 'to'): HTMLElement =>
    createDateField(`orders-${bound}`, t(bound === 'from' ? 'dateFrom' : 'dateTo'), state[bound], (isoDate) => {
      state[bound] = isoDate;
      void load(false);
    });

  const form = element('form', { class: 'filters', 'aria-label': t('filters') }, [element('div', { class: 'filter-fields' }, [dateField('from'), dateField('to')])]);
  form.addEventListener('submit', (event) => event.preventDefault());

  container.replaceChildren(element('h1', { text: t('ordersTitle') }), form, statusSlot, tableSlot, moreSlot, exportSlot);
  void load(false);
}
