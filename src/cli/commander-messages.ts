import type { Language } from '../i18n/language.js';

/**
 * German forms of commander's parse errors, which the library only prints in English. Each
 * pattern matches one of commander 14's messages; anything else passes through unchanged.
 */
const GERMAN: readonly [RegExp, (...groups: string[]) => string][] = [
  [/^error: required option '(.+)' not specified/, (option) => `Fehler: Pflichtoption ${option} fehlt.`],
  [/^error: unknown option '(.+)'/, (option) => `Fehler: unbekannte Option ${option}. Mit --help die Optionen anzeigen.`],
  [/^error: unknown command '(.+)'/, (command) => `Fehler: unbekannter Befehl ${command}. Mit --help die Befehle anzeigen.`],
  [/^error: option '(.+)' argument '(.*)' is invalid\. (.*)/, (option, value, reason) => `Fehler: Wert "${value}" für ${option} ist ungültig (${reason}).`],
  [/^error: option '(.+)' argument missing/, (option) => `Fehler: Option ${option} braucht einen Wert.`],
  [/^error: missing required argument '(.+)'/, (argument) => `Fehler: Argument ${argument} fehlt.`],
];

/** Translates a commander error message for the user's language. */
export function localizeCommanderError(message: string, language: Language): string {
  if (language !== 'de') {
    return message;
  }
  for (const [pattern, render] of GERMAN) {
    const match = pattern.exec(message);
    if (match) {
      return `${render(...match.slice(1))}\n`;
    }
  }
  return message;
}
