import { formatNumericDate } from '../format/numbers.js';
import { t } from '../i18n/messages.js';
import { element } from './dom.js';

/**
 * Builds a date field that shows and accepts the dashboard's locale (31.12.2025 or 31/12/2025)
 * and reports ISO dates. A text field is used because the browser's date picker follows the
 * browser's language, not the DE/EN switch. `onChange` gets '' for an empty field and is not
 * called for an invalid entry, which is marked instead.
 */
export function createDateField(id: string, label: string, isoValue: string, onChange: (isoDate: string) => void): HTMLElement {
  const hintId = `${id}-error`;
  const input = element('input', {
    type: 'text',
    id,
    inputmode: 'numeric',
    autocomplete: 'off',
    placeholder: t('datePlaceholder'),
    value: isoValue === '' ? '' : formatNumericDate(isoValue),
    'aria-describedby': hintId,
  });
  const hint = element('span', { id: hintId, class: 'field-error', 'aria-live': 'polite' });

  input.addEventListener('change', () => {
    const text = input.value.trim();
    const isoDate = text === '' ? '' : parseLocalDate(text);
    if (isoDate === undefined) {
      input.setAttribute('aria-invalid', 'true');
      hint.textContent = t('invalidDate');
      return;
    }
    input.removeAttribute('aria-invalid');
    hint.textContent = '';
    input.value = isoDate === '' ? '' : formatNumericDate(isoDate);
    onChange(isoDate);
  });

  return element('div', { class: 'field' }, [element('label', { for: id, text: label }), input, hint]);
}

/** Parses `31.12.2025`, `31/12/2025` or `2025-12-31` into `2025-12-31`; undefined when it is no calendar date. */
export function parseLocalDate(text: string): string | undefined {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  const local = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(text);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]] : local ? [local[3], local[2], local[1]] : [];
  if (year === undefined || month === undefined || day === undefined) {
    return undefined;
  }

  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const valid = date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
  return valid ? `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}` : undefined;
}
