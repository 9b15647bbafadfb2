import type { GoldModelInfo } from '../api/types.js';
import { columnTitle } from '../i18n/model-labels.js';
import { t } from '../i18n/messages.js';
import { createDateField } from '../ui/date-input.js';
import { element } from '../ui/dom.js';
import type { KpiFilters } from './filter-state.js';

/** Above this many values a dimension gets a text field with suggestions instead of a drop-down list. */
const MAX_SELECT_OPTIONS = 200;

export interface FilterForm {
  form: HTMLFormElement;
  /** Fills the choices of one dimension once its values have been loaded. */
  setDimensionValues(dimension: string, values: readonly string[]): void;
}

/** Builds the filter form: date range on the date dimension and one field per other dimension. */
export function createFilterForm(model: GoldModelInfo, filters: KpiFilters, onChange: (filters: KpiFilters) => void): FilterForm {
  const current: KpiFilters = { from: filters.from, to: filters.to, dimensions: new Map(filters.dimensions) };
  const fields = element('div', { class: 'filter-fields' });
  const form = element('form', { class: 'filters', 'aria-label': t('filters') }, [fields]);
  form.addEventListener('submit', (event) => event.preventDefault());

  const emit = (): void => onChange({ from: current.from, to: current.to, dimensions: new Map(current.dimensions) });

  if (model.dateDimension !== null) {
    for (const bound of ['from', 'to'] as const) {
      fields.append(
        createDateField(`filter-${bound}`, t(bound === 'from' ? 'dateFrom' : 'dateTo'), current[bound], (isoDate) => {
          current[bound] = isoDate;
          emit();
        }),
      );
    }
  }

  const slots = new Map<string, HTMLElement>();
  for (const dimension of model.dimensions.filter((name) => name !== model.dateDimension)) {
    const slot = element('div', { class: 'field' });
    slots.set(dimension, slot);
    fields.append(slot);
    renderDimensionField(slot, dimension, [], current, emit);
  }

  const reset = element('button', { type: 'button', class: 'button secondary', text: t('resetFilters') });
  reset.addEventListener('click', () => onChange({ from: '', to: '', dimensions: new Map() }));
  fields.append(element('div', { class: 'field field-action' }, [reset]));

  return {
    form,
    setDimensionValues(dimension, values) {
      const slot = slots.get(dimension);
      if (slot !== undefined) {
        renderDimensionField(slot, dimension, values, current, emit);
      }
    },
  };
}

function renderDimensionField(slot: HTMLElement, dimension: string, values: readonly string[], current: KpiFilters, emit: () => void): void {
  const id = `filter-dim-${dimension}`;
  const selected = current.dimensions.get(dimension) ?? '';
  const update = (value: string): void => {
    if (value === '') {
      current.dimensions.delete(dimension);
    } else {
      current.dimensions.set(dimension, value);
    }
    emit();
  };

  let control: HTMLInputElement | HTMLSelectElement;
  if (values.length > MAX_SELECT_OPTIONS) {
    const listId = `${id}-values`;
    control = element('input', { type: 'search', id, name: dimension, list: listId, value: selected, autocomplete: 'off' });
    const input = control;
    input.addEventListener('change', () => update(input.value.trim()));
    slot.replaceChildren(
      element('label', { for: id, text: columnTitle(dimension) }),
      control,
      element('datalist', { id: listId }, values.map((value) => element('option', { value }))),
    );
    return;
  }

  const options = [element('option', { value: '', text: t('allValues') }), ...values.map((value) => element('option', { value, text: value }))];
  if (selected !== '' && !values.includes(selected)) {
    options.push(element('option', { value: selected, text: selected }));
  }
  control = element('select', { id, name: dimension }, options);
  control.value = selected;
  const select = control;
  select.addEventListener('change', () => update(select.value));
  slot.replaceChildren(element('label', { for: id, text: columnTitle(dimension) }), control);
}

