/** The dashboard's languages; German is the default for the first customer's controllers. */
export type Language = 'de' | 'en';

const STORAGE_KEY = 'aurora.language';

const LOCALES: Record<Language, string> = { de: 'de-DE', en: 'en-GB' };

let current: Language = readStoredLanguage();
const listeners = new Set<(language: Language) => void>();

function readStoredLanguage(): Language {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'de';
  } catch {
    // Storage can be blocked by browser settings; the dashboard then starts in German.
    return 'de';
  }
}

export function currentLanguage(): Language {
  return current;
}

/** Returns the BCP 47 locale for Intl formatting: de-DE or en-GB (day-month-year dates). */
export function currentLocale(): string {
  return LOCALES[current];
}

/** Switches the language, stores it for the next visit and notifies every listener. */
export function setLanguage(language: Language): void {
  if (language === current) {
    return;
  }
  current = language;
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Not persisted when storage is blocked; the switch still applies to this page.
  }
  document.documentElement.lang = language;
  for (const listener of listeners) {
    listener(language);
  }
}

export function onLanguageChange(listener: (language: Language) => void): void {
  listeners.add(listener);
}
