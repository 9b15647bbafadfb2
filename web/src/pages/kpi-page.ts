import { getJson, messageOf } from '../api/client.js';
import type { GoldModelInfo, ModelsResponse, TotalsGroup, TotalsResponse } from '../api/types.js';
import { formatCount } from '../format/numbers.js';
import { currentLanguage } from '../i18n/language.js';
import { columnTitle, modelTitle } from '../i18n/model-labels.js';
import { t } from '../i18n/messages.js';
import { createFilterForm } from '../kpi/filter-form.js';
import { filtersFromParams, filtersToParams, filtersToQuery, type KpiFilters } from '../kpi/filter-state.js';
import { renderKpiCards } from '../kpi/kpi-cards.js';
import { CURRENCY_DIMENSION, formatMeasureValue, measureKind, measureValue, regroup } from '../kpi/measures.js';
import { renderTrendChart } from '../kpi/trend-chart.js';
import { replaceRouteState } from '../router.js';
import { element, errorBox, loadingIndicator } from '../ui/dom.js';
import { mayUse, type PageContext } from './page-context.js';

/** Names of the performance marks set when the KPI cards and the chart are in the page. */
export const KPI_CARDS_MARK = 'aurora:kpi-cards';
export const KPI_CHART_MARK = 'aurora:kpi-chart';

/** The group key of the totals endpoint for the month of the date dimension. */
const MONTH_KEY = 'month';

/** The model shown first when the hash names none: the controllers' main figure, if published. */
const PREFERRED_MODEL = 'order_intake';

/** Renders the KPI overview: model choice, filters, one card per measure, a monthly chart and export links. */
export async function renderKpiPage(container: HTMLElement, context: PageContext): Promise<void> {
  container.replaceChildren(element('h1', { text: t('kpiTitle') }), loadingIndicator(t('loading')));

  let models: ModelsResponse;
  try {
    models = await getJson<ModelsResponse>('/api/v1/models');
  } catch (error) {
    container.replaceChildren(element('h1', { text: t('kpiTitle') }), errorBox(messageOf(error), () => void renderKpiPage(container, context)));
    return;
  }
  if (models.models.length === 0) {
    container.replaceChildren(element('h1', { text: t('kpiTitle') }), element('p', { text: t('noModels') }));
    return;
  }

  const requested = context.params.get('model');
  const model =
    models.models.find((candidate) => candidate.name === requested) ??
    models.models.find((candidate) => candidate.name === PREFERRED_MODEL) ??
    (models.models[0] as GoldModelInfo);
  new ModelView(container, context, models, model, filtersFromParams(context.params)).render();
}

/** One model on the KPI page. Filter changes reload the cards and the chart, not the whole page. */
class ModelView {
  private readonly cardsSlot = element('section', { class: 'kpi-section', 'aria-label': t('kpiTitle'), 'aria-busy': 'true' });
  private readonly chartSlot = element('section', { class: 'chart-section' });
  private readonly summarySlot = element('p', { class: 'selection-summary' });
  private readonly truncatedSlot = element('div');
  /** The totals per month of the last load, for redrawing the chart with another measure. */
  private monthly: TotalsGroup[] | undefined;
  private readonly exportSlot = element('div', { class: 'export-links' });
  private chartMeasure: string;
  /** Increases with each load, so that a slow older response never overwrites a newer one. */
  private loadNumber = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly context: PageContext,
    private readonly models: ModelsResponse,
    private readonly model: GoldModelInfo,
    private filters: KpiFilters,
  ) {
    const chartable = this.chartableMeasures();
    const requestedMeasure = context.params.get('measure');
    this.chartMeasure = chartable.find((name) => name === requestedMeasure) ?? chartable[0] ?? '';
  }

  render(): void {
    const filterForm = createFilterForm(this.model, this.filters, (filters) => {
      this.filters = filters;
      this.storeState();
      this.renderExportLinks();
      if (filters.dimensions.size === 0 && filters.from === '' && filters.to === '') {
        // Reset: the form itself shows the old values, so it is built again.
        this.render();
        return;
      }
      void this.loadFigures();
    });

    this.container.replaceChildren(
      element('div', { class: 'page-header' }, [
        element('div', {}, [element('h1', { text: t('kpiTitle') }), element('p', { class: 'run-id', text: t('asOfRun', { runId: this.models.runId }) })]),
        this.modelSelect(),
      ]),
      element('p', { class: 'model-description', text: this.model.description }),
      filterForm.form,
      this.summarySlot,
      this.truncatedSlot,
      this.cardsSlot,
      this.chartSlot,
      this.exportSlot,
    );

    this.renderExportLinks();
    // The filter choices wait for the figures, so that their queries do not slow down the first cards.
    void this.loadFigures().then(() => this.loadFilterValues(filterForm.setDimensionValues));
  }

  private modelSelect(): HTMLElement {
    const select = element(
      'select',
      { id: 'model-select', name: 'model' },
      this.models.models.map((candidate) => element('option', { value: candidate.name, text: modelTitle(candidate.name) })),
    );
    select.value = this.model.name;
    select.addEventListener('change', () => {
      const next = this.models.models.find((candidate) => candidate.name === select.value);
      if (next !== undefined) {
        new ModelView(this.container, { ...this.context, params: new URLSearchParams() }, this.models, next, { from: this.filters.from, to: this.filters.to, dimensions: new Map() }).renderAndStore();
        document.getElementById('model-select')?.focus();
      }
    });
    return element('div', { class: 'field model-field' }, [element('label', { for: 'model-select', text: t('model') }), select]);
  }

  renderAndStore(): void {
    this.storeState();
    this.render();
  }

  private storeState(): void {
    const params = filtersToParams(this.model.name, this.filters);
    if (this.chartMeasure !== '') {
      params.set('measure', this.chartMeasure);
    }
    replaceRouteState('kpis', params);
  }

  /**
   * Loads the totals per month and currency in one request, so the server reads the model
   * once, and adds them up per currency for the cards and per month for the chart.
   */
  private async loadFigures(): Promise<void> {
    const loadNumber = ++this.loadNumber;
    this.cardsSlot.setAttribute('aria-busy', 'true');
    const path = `/api/v1/kpis/${encodeURIComponent(this.model.name)}/totals`;
    const byMonth = this.model.dateDimension === null ? [] : [MONTH_KEY];
    const byCurrency = this.model.dimensions.includes(CURRENCY_DIMENSION) ? [CURRENCY_DIMENSION] : [];

    try {
      const totals = await getJson<TotalsResponse>(path, { ...filtersToQuery(this.filters), groupBy: [...byMonth, ...byCurrency] });
      if (loadNumber !== this.loadNumber) {
        return;
      }

      const rows = totals.groups.reduce((sum, group) => sum + BigInt(group.rows), 0n);
      this.summarySlot.textContent = t('rowsInSelection', { count: formatCount(rows.toString()) });
      this.truncatedSlot.replaceChildren(...(totals.truncated ? [element('p', { class: 'warning', role: 'status', text: t('truncatedGroups') })] : []));
      this.cardsSlot.replaceChildren(renderKpiCards(this.model, regroup(totals.groups, byCurrency)));
      this.cardsSlot.setAttribute('aria-busy', 'false');
      // User-timing marks for load measurements (bench/dashboard-load.ts, browser profilers).
      performance.mark(KPI_CARDS_MARK);
      this.monthly = byMonth.length === 0 ? undefined : regroup(totals.groups, byMonth);
      this.renderChart();
      performance.mark(KPI_CHART_MARK);
    } catch (error) {
      if (loadNumber !== this.loadNumber) {
        return;
      }
      this.summarySlot.textContent = '';
      this.cardsSlot.replaceChildren(errorBox(messageOf(error), () => void this.loadFigures()));
      this.cardsSlot.setAttribute('aria-busy', 'false');
      this.chartSlot.replaceChildren();
    }
  }

  private renderChart(): void {
    const monthly = this.monthly;
    const measure = this.model.measures.find((candidate) => candidate.name === this.chartMeasure);
    if (monthly === undefined || measure === undefined) {
      this.chartSlot.replaceChildren();
      return;
    }

    const kind = measureKind(this.model, measure);
    const points = monthly
      .filter((group) => typeof group.key[MONTH_KEY] === 'string')
      .map((group) => ({ month: group.key[MONTH_KEY] as string, value: measureValue(kind, measure.name, group.sums) }));
    const title = t('chartDescription', { measure: columnTitle(measure.name), count: formatCount(points.length) });

    const select = element(
      'select',
      { id: 'chart-measure', name: 'measure' },
      this.chartableMeasures().map((name) => element('option', { value: name, text: columnTitle(name) })),
    );
    select.value = measure.name;
    select.addEventListener('change', () => {
      this.chartMeasure = select.value;
      this.storeState();
      this.renderChart();
      document.getElementById('chart-measure')?.focus();
    });

    this.chartSlot.replaceChildren(
      element('div', { class: 'section-header' }, [
        element('h2', { text: t('chartTitle') }),
        element('div', { class: 'field inline' }, [element('label', { for: 'chart-measure', text: t('chartMeasure') }), select]),
      ]),
      points.length === 0 ? element('p', { text: t('chartEmpty') }) : renderTrendChart(points, title, (value) => formatMeasureValue(kind, measure.unit, value)),
    );
  }

  /** Measures with one value per month: sums and derived ratios, not amounts in mixed currencies. */
  private chartableMeasures(): string[] {
    return this.model.measures.filter((measure) => ['sum', 'derived'].includes(measureKind(this.model, measure).kind)).map((measure) => measure.name);
  }

  /** Loads the values of each filter dimension from the unfiltered totals grouped by it. */
  private async loadFilterValues(setValues: (dimension: string, values: readonly string[]) => void): Promise<void> {
    const path = `/api/v1/kpis/${encodeURIComponent(this.model.name)}/totals`;
    const dimensions = this.model.dimensions.filter((name) => name !== this.model.dateDimension);
    await Promise.all(
      dimensions.map(async (dimension) => {
        try {
          const totals = await getJson<TotalsResponse>(path, { groupBy: [dimension] });
          setValues(dimension, totals.groups.map((group) => group.key[dimension]).filter((value): value is string => typeof value === 'string'));
        } catch {
          // The field stays a drop-down with only "All", and the cards already show the API's error when it is down.
        }
      }),
    );
  }

  private renderExportLinks(): void {
    if (!mayUse(this.context.me, 'exports')) {
      this.exportSlot.replaceChildren();
      return;
    }
    this.exportSlot.replaceChildren(
      element('h2', { text: t('export') }),
      exportLink(this.model.name, 'csv', this.filters, t('exportCsv')),
      exportLink(this.model.name, 'xlsx', this.filters, t('exportXlsx')),
    );
  }
}

function exportLink(model: string, format: 'csv' | 'xlsx', filters: KpiFilters, label: string): HTMLAnchorElement {
  const params = new URLSearchParams({ format, lang: currentLanguage() });
  for (const [name, value] of Object.entries(filtersToQuery(filters))) {
    if (typeof value === 'string' && value !== '') {
      params.set(name, value);
    }
  }
  const href = `/api/v1/exports/kpis/${encodeURIComponent(model)}?${params.toString()}`;
  return element('a', { class: 'button secondary', href, download: true, 'data-format': format, text: label });
}
