import type { GoldModelInfo, TotalsGroup } from '../api/types.js';
import { columnTitle } from '../i18n/model-labels.js';
import { t } from '../i18n/messages.js';
import { formatMoney } from '../format/numbers.js';
import { element } from '../ui/dom.js';
import { combineSums, CURRENCY_DIMENSION, formatMeasureValue, measureKind, measureValue } from './measures.js';

/**
 * Renders one card per measure for the filtered totals. `groups` are the totals per currency
 * when the model has a CURRENCY dimension, else a single group.
 */
export function renderKpiCards(model: GoldModelInfo, groups: readonly TotalsGroup[]): HTMLElement {
  const sums = combineSums(groups.map((group) => group.sums));
  const cards = model.measures.map((measure) => {
    const kind = measureKind(model, measure);
    const title = columnTitle(measure.name);

    let value: HTMLElement;
    let detail = measure.description;
    if (kind.kind === 'per-currency') {
      value = perCurrencyList(measure.name, groups);
    } else if (kind.kind === 'not-additive') {
      value = element('p', { class: 'kpi-value muted', text: '–' });
      detail = t('notAdditive');
    } else {
      const exact = measureValue(kind, measure.name, sums);
      value = element('p', { class: 'kpi-value', text: exact === null ? '–' : formatMeasureValue(kind, measure.unit, exact) });
      if (kind.kind === 'derived') {
        detail = `${measure.description} (${t('derivedFrom', { numerator: columnTitle(kind.numerator), denominator: columnTitle(kind.denominator) })})`;
      }
    }

    return element('article', { class: 'kpi-card', 'data-measure': measure.name }, [
      element('h3', { class: 'kpi-title', text: title }),
      value,
      element('p', { class: 'kpi-detail', text: detail }),
    ]);
  });
  return element('div', { class: 'kpi-grid' }, cards);
}

/** Lists an amount in the order or invoice currency per currency, because amounts in different currencies cannot be added. */
function perCurrencyList(measureName: string, groups: readonly TotalsGroup[]): HTMLElement {
  const items = groups
    .filter((group) => typeof group.sums[measureName] === 'string')
    .map((group) => {
      const currency = group.key[CURRENCY_DIMENSION] ?? '';
      const amount = group.sums[measureName] as string;
      const text = /^[A-Z]{3}$/.test(currency) ? formatMoney(amount, currency) : `${amount} ${currency}`;
      return element('li', { text });
    });
  if (items.length === 0) {
    return element('p', { class: 'kpi-value muted', text: '–' });
  }
  return element('ul', { class: 'kpi-value per-currency', 'aria-label': t('perCurrency') }, items);
}
