import type { KeyDifferenceKind } from '../reconcile/types.js';
import type { Language } from './language.js';

/** Texts of the reconcile output and its HTML page, in every user language. */
export interface ReconcileMessages {
  title: string;
  snapshot: (runId: string) => string;
  headers: {
    table: string;
    sourceRows: string;
    silver: string;
    quarantine: string;
    difference: string;
    measuresMatch: string;
    rangesChecked: string;
    rangesDiffering: string;
    differingKeys: string;
  };
  yes: string;
  no: string;
  noMeasures: string;
  kind: Record<KeyDifferenceKind, string>;
  measureDiffers: (column: string, source: string, target: string) => string;
  moreKeys: (count: string) => string;
  allMatch: string;
  reportAt: (path: string) => string;
  checkedAt: string;
  source: string;
  key: string;
  columns: string;
}

const de: ReconcileMessages = {
  title: 'Abgleich Quelle gegen Snapshot',
  snapshot: (runId) => `Abgleich der Quelle mit dem veröffentlichten Snapshot ${runId}`,
  headers: {
    table: 'Tabelle',
    sourceRows: 'Quelle',
    silver: 'Silver',
    quarantine: 'Quarantäne',
    difference: 'Differenz',
    measuresMatch: 'Summen gleich',
    rangesChecked: 'Bereiche geprüft',
    rangesDiffering: 'Bereiche abweichend',
    differingKeys: 'Abweichende Schlüssel',
  },
  yes: 'ja',
  no: 'nein',
  noMeasures: '–',
  kind: { 'missing-in-target': 'fehlt im Snapshot', 'missing-in-source': 'fehlt in der Quelle', changed: 'geändert' },
  measureDiffers: (column, source, target) => `Summe ${column}: Quelle ${source}, Snapshot ${target}`,
  moreKeys: (count) => `… und ${count} weitere Schlüssel`,
  allMatch: 'Quelle und Snapshot stimmen überein.',
  reportAt: (path) => `Abgleichsbericht: ${path}`,
  checkedAt: 'Geprüft am',
  source: 'Quelle',
  key: 'Schlüssel',
  columns: 'Spalten',
};

const en: ReconcileMessages = {
  title: 'Reconciliation of source and snapshot',
  snapshot: (runId) => `Reconciliation of the source with the published snapshot ${runId}`,
  headers: {
    table: 'Table',
    sourceRows: 'Source',
    silver: 'Silver',
    quarantine: 'Quarantine',
    difference: 'Difference',
    measuresMatch: 'Sums match',
    rangesChecked: 'Ranges checked',
    rangesDiffering: 'Ranges differing',
    differingKeys: 'Differing keys',
  },
  yes: 'yes',
  no: 'no',
  noMeasures: '-',
  kind: { 'missing-in-target': 'missing in snapshot', 'missing-in-source': 'missing in source', changed: 'changed' },
  measureDiffers: (column, source, target) => `Sum of ${column}: source ${source}, snapshot ${target}`,
  moreKeys: (count) => `… and ${count} more keys`,
  allMatch: 'Source and snapshot match.',
  reportAt: (path) => `Reconciliation report: ${path}`,
  checkedAt: 'Checked at',
  source: 'Source',
  key: 'Key',
  columns: 'Columns',
};

export function reconcileMessages(language: Language): ReconcileMessages {
  return language === 'de' ? de : en;
}
