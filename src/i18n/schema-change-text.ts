import type { Language } from './language.js';

/** A column change as the pipeline records it; types are Aurora's type names. */
export interface SchemaChangeText {
  column: string;
  kind: string;
  oldType?: string;
  newType?: string;
}

/** Describes one column change for users, the same way in errors, CLI lines and reports. */
export function describeSchemaChange(language: Language, change: SchemaChangeText): string {
  const german = language === 'de';
  if (change.kind === 'added') {
    return `${change.column}: ${german ? 'neu' : 'added'} (${change.newType})`;
  }
  if (change.kind === 'dropped') {
    return `${change.column}: ${german ? 'entfernt (war' : 'dropped (was'} ${change.oldType})`;
  }
  return `${change.column}: ${change.oldType} → ${change.newType}`;
}
