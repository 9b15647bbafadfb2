import { formatCount, formatSeconds } from './format.js';
import type { Language } from './language.js';
import { describeSchemaChange, type SchemaChangeText } from './schema-change-text.js';

/** Texts the CLI prints while it works, in every user language. */
export interface CliMessages {
  runStarted(runId: string, tables: number, mode: 'full' | 'delta'): string;
  tablePlanned(table: string, partitions: number, rows: number): string;
  partitionExtracted(table: string, partition: number, rows: number): string;
  partitionResumed(table: string, partition: number, rows: number): string;
  tableExtracted(table: string, rows: number, durationMs: number): string;
  validationStarted(table: string): string;
  tableValidated(table: string, silver: number, quarantined: number): string;
  published(runId: string): string;
  schemaEvolved(table: string, changes: readonly SchemaChangeText[]): string;
  failed(code: string, message: string): string;
  /** An error of a command that is not a run (config, rollback, reconcile, sample). */
  error(code: string, message: string): string;
  reportAt(path: string): string;
  sampleLoading(dataset: string, target: string): string;
  sampleLoaded(rows: number, table: string, target: string): string;
  erpTableLoaded(table: string, rows: number, durationMs: number): string;
  erpLoaded(orders: number, quarantinedOrders: number, durationMs: number): string;
  erpManifestWritten(path: string): string;
  progressBarFormat: string;
  phases: { extract: string; bronze: string; validate: string };
}

const de: CliMessages = {
  runStarted: (runId, tables, mode) => `Lauf ${runId} gestartet: ${tables} Tabelle(n), ${mode === 'delta' ? 'Delta Load' : 'Full Load'}`,
  tablePlanned: (table, partitions, rows) => `${table}: ${partitions} Partition(en), etwa ${formatCount('de', rows)} Zeilen`,
  partitionExtracted: (table, partition, rows) => `${table}: Partition ${partition} gelesen, ${formatCount('de', rows)} Zeilen`,
  partitionResumed: (table, partition, rows) =>
    `${table}: Partition ${partition} aus dem abgebrochenen Lauf übernommen, ${formatCount('de', rows)} Zeilen`,
  tableExtracted: (table, rows, ms) => `${table}: ${formatCount('de', rows)} Zeilen in Bronze geschrieben (${formatSeconds('de', ms)})`,
  validationStarted: (table) => `${table}: Qualitätsregeln werden geprüft`,
  tableValidated: (table, silver, quarantined) =>
    `${table}: Silver ${formatCount('de', silver)}, Quarantäne ${formatCount('de', quarantined)}`,
  published: (runId) => `Snapshot ${runId} veröffentlicht`,
  schemaEvolved: (table, changes) =>
    `${table}: Spaltenänderungen übernommen: ${changes
      .map((change) => describeSchemaChange('de', change))
      .join(', ')}`,
  failed: (code, message) => `Lauf fehlgeschlagen [${code}]: ${message}`,
  error: (code, message) => `Fehler [${code}]: ${message}`,
  reportAt: (path) => `Datenqualitätsbericht: ${path}`,
  sampleLoading: (dataset, target) => `Beispieldaten ${dataset} werden nach ${target} geladen`,
  sampleLoaded: (rows, table, target) => `${formatCount('de', rows)} Zeilen in ${table} (${target}) geladen`,
  erpTableLoaded: (table, rows, ms) => `${table}: ${formatCount('de', rows)} Zeilen geladen (${formatSeconds('de', ms)})`,
  erpLoaded: (orders, quarantined, ms) =>
    `ERP-Beispieldaten geladen: ${formatCount('de', orders)} Aufträge, davon ${formatCount('de', quarantined)} mit Fehlern laut Regeln (${formatSeconds('de', ms)})`,
  erpManifestWritten: (path) => `Manifest mit den erwarteten Fehlerzahlen: ${path}`,
  progressBarFormat: '{table} |{bar}| {percentage}% | {value}/{total} Zeilen | {phase}',
  phases: { extract: 'Lesen', bronze: 'Bronze', validate: 'Prüfen' },
};

const en: CliMessages = {
  runStarted: (runId, tables, mode) => `Run ${runId} started: ${tables} table(s), ${mode === 'delta' ? 'delta load' : 'full load'}`,
  tablePlanned: (table, partitions, rows) => `${table}: ${partitions} partition(s), about ${formatCount('en', rows)} rows`,
  partitionExtracted: (table, partition, rows) => `${table}: partition ${partition} read, ${formatCount('en', rows)} rows`,
  partitionResumed: (table, partition, rows) =>
    `${table}: partition ${partition} taken over from the killed run, ${formatCount('en', rows)} rows`,
  tableExtracted: (table, rows, ms) => `${table}: ${formatCount('en', rows)} rows written to bronze (${formatSeconds('en', ms)})`,
  validationStarted: (table) => `${table}: checking quality rules`,
  tableValidated: (table, silver, quarantined) =>
    `${table}: silver ${formatCount('en', silver)}, quarantine ${formatCount('en', quarantined)}`,
  published: (runId) => `Snapshot ${runId} published`,
  schemaEvolved: (table, changes) =>
    `${table}: column changes accepted: ${changes
      .map((change) => describeSchemaChange('en', change))
      .join(', ')}`,
  failed: (code, message) => `Run failed [${code}]: ${message}`,
  error: (code, message) => `Error [${code}]: ${message}`,
  reportAt: (path) => `Data-quality report: ${path}`,
  sampleLoading: (dataset, target) => `Loading sample data ${dataset} into ${target}`,
  sampleLoaded: (rows, table, target) => `${formatCount('en', rows)} rows loaded into ${table} (${target})`,
  erpTableLoaded: (table, rows, ms) => `${table}: ${formatCount('en', rows)} rows loaded (${formatSeconds('en', ms)})`,
  erpLoaded: (orders, quarantined, ms) =>
    `ERP sample loaded: ${formatCount('en', orders)} orders, ${formatCount('en', quarantined)} of them failing the rules (${formatSeconds('en', ms)})`,
  erpManifestWritten: (path) => `Manifest with the expected failure counts: ${path}`,
  progressBarFormat: '{table} |{bar}| {percentage}% | {value}/{total} rows | {phase}',
  phases: { extract: 'extract', bronze: 'bronze', validate: 'validate' },
};

export function cliMessages(language: Language): CliMessages {
  return language === 'de' ? de : en;
}
