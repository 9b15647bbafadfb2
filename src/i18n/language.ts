/** The languages every user-facing text exists in. German is the default for Aurora's first users. */
export type Language = 'de' | 'en';

export const DEFAULT_LANGUAGE: Language = 'de';

export const SUPPORTED_LANGUAGES: readonly Language[] = ['de', 'en'];

/** Returns the language when `value` names one (`de`, `en`, `de-DE`, `en_US.UTF-8`), else undefined. */
export function parseLanguage(value: string | undefined | null): Language | undefined {
  if (!value) {
    return undefined;
  }

  const primary = value.trim().toLowerCase().slice(0, 2);
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(primary) ? (primary as Language) : undefined;
}

/**
 * Picks the language for a CLI process: the `--lang` option first, then `AURORA_LANG`, then
 * German. An unsupported explicit value is an error rather than a silent fallback, because a
 * data engineer who asked for English should not get German without being told.
 */
export function resolveLanguage(option: string | undefined, env: NodeJS.ProcessEnv = process.env): Language {
  for (const [origin, value] of [['--lang', option], ['AURORA_LANG', env.AURORA_LANG]] as const) {
    if (value === undefined || value === '') {
      continue;
    }

    const language = parseLanguage(value);
    if (!language) {
      throw new RangeError(`${origin} must be one of ${SUPPORTED_LANGUAGES.join(', ')}, got "${value}"`);
    }
    return language;
  }

  return DEFAULT_LANGUAGE;
}

/** The BCP 47 locale used for number, date and currency formatting. */
export function localeOf(language: Language): string {
  return language === 'de' ? 'de-DE' : 'en-GB';
}
