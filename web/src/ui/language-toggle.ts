import { currentLanguage, setLanguage, type Language } from '../i18n/language.js';
import { t } from '../i18n/messages.js';
import { element } from './dom.js';

const LANGUAGES: readonly { language: Language; label: string; name: string }[] = [
  { language: 'de', label: 'DE', name: 'Deutsch' },
  { language: 'en', label: 'EN', name: 'English' },
];

/**
 * Builds the DE/EN switch: two toggle buttons in a group. Tab reaches them, Enter or Space
 * switches, and the arrow keys move between them. After a switch the page is rendered again
 * and the focus returns to the chosen button.
 */
export function createLanguageToggle(): HTMLElement {
  const buttons = LANGUAGES.map(({ language, label, name }) =>
    element('button', {
      type: 'button',
      class: 'language-button',
      lang: language,
      'data-language': language,
      'aria-pressed': String(language === currentLanguage()),
      'aria-label': name,
      text: label,
    }),
  );

  for (const [index, button] of buttons.entries()) {
    button.addEventListener('click', () => {
      const language = button.dataset.language as Language;
      setLanguage(language);
      document.querySelector<HTMLButtonElement>(`.language-button[data-language="${language}"]`)?.focus();
    });
    button.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') {
        return;
      }
      event.preventDefault();
      const next = buttons[(index + (event.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length];
      next?.focus();
    });
  }
  return element('div', { class: 'language-toggle', role: 'group', 'aria-label': t('languageToggle') }, buttons);
}
