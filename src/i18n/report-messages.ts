import type { RunStatus } from '../pipeline/run-result.js';
import type { Severity } from '../quality/types.js';
import type { Language } from './language.js';

/**
 * Every label of the data-quality report and of the CLI run summary. Texts that embed values
 * are functions, so each language can put the values where its grammar needs them. The values
 * arrive already formatted for the locale.
 */
export interface ReportMessages {
  documentTitle: (runId: string) => string;
  heading: string;
  runId: string;
  status: string;
  statusValue: Record<RunStatus, string>;
  mode: string;
  modeFull: string;
  modeDelta: string;
  startedAt: string;
  finishedAt: string;
  duration: string;
  source: string;
  configFile: string;
  timeZoneNote: (timeZone: string) => string;

  runFailed: string;
  errorCode: string;

  totals: string;
  rowsRead: string;
  silverRows: string;
  quarantinedRows: string;
  quarantineRatio: string;
  warnedRows: string;
  warnedRowsNote: string;
  failingRules: string;

  tables: string;
  table: string;
  sourceName: string;
  threshold: string;
  noThreshold: string;
  thresholdExceeded: string;
  partitions: string;
  extract: string;
  validate: string;
  publish: string;
  balanceCheck: string;
  balanceMismatch: (difference: string) => string;
  noTables: string;

  rules: string;
  ruleId: string;
  ruleType: string;
  column: string;
  severity: string;
  severityValue: Record<Severity, string>;
  rowsChecked: string;
  failedRows: string;
  failureRatio: string;
  message: string;
  observed: string;
  tableRulePassed: string;
  tableRuleFailed: string;
  notApplicable: string;
  noRules: string;
  changes: string;
  rowsFromSource: string;
  deletedRows: string;
  incrementalCheck: (checkedRows: string, affectedRows: string) => string;
  silverParts: (rewritten: string, total: string) => string;
  watermarkHigh: string;
  readFrom: string;
  schemaChanges: string;

  samples: (sampleCount: string, failedRows: string) => string;
  sampleValue: string;
  emptyValue: string;
  nullValue: string;

  summaryHeading: (runId: string, status: string) => string;
  summaryRead: string;
  summarySilver: string;
  summaryQuarantine: string;
  summaryTotal: string;
  summaryWarned: (rows: string) => string;
  summaryTopRules: (listedCount: number, failingCount: number) => string;
  summaryNoFailingRules: string;
  summaryDuration: string;
  summaryReport: string;
  summaryError: string;
}

/** The report and summary texts in each supported language. */
export const REPORT_MESSAGES: Readonly<Record<Language, ReportMessages>> = {
  de: {
    documentTitle: (runId) => `Datenqualitätsbericht ${runId}`,
    heading: 'Datenqualitätsbericht',
    runId: 'Lauf-ID',
    status: 'Status',
    statusValue: { succeeded: 'erfolgreich', failed: 'fehlgeschlagen' },
    mode: 'Modus',
    modeFull: 'Full Load',
    modeDelta: 'Delta Load',
    startedAt: 'Beginn',
    finishedAt: 'Ende',
    duration: 'Dauer',
    source: 'Quelle',
    configFile: 'Konfigurationsdatei',
    timeZoneNote: (timeZone) => `Zeiten in der Zeitzone ${timeZone}.`,

    runFailed: 'Lauf fehlgeschlagen',
    errorCode: 'Fehlercode',

    totals: 'Gesamt',
    rowsRead: 'Gelesene Zeilen',
    silverRows: 'Saubere Zeilen (Silver)',
    quarantinedRows: 'Zeilen in Quarantäne',
    quarantineRatio: 'Quarantäneanteil',
    warnedRows: 'Zeilen mit Warnungen',
    warnedRowsNote: 'Diese Zeilen verletzen nur Warnregeln und sind in Silver enthalten.',
    failingRules: 'Verletzte Regeln',

    tables: 'Tabellen',
    table: 'Tabelle',
    sourceName: 'Quelltabelle',
    threshold: 'Max. Quarantäneanteil',
    noThreshold: 'keiner',
    thresholdExceeded: 'überschritten',
    partitions: 'Partitionen',
    extract: 'Extrahieren',
    validate: 'Prüfen',
    publish: 'Veröffentlichen',
    balanceCheck: 'Silver + Quarantäne = gelesen',
    balanceMismatch: (difference) => `Abweichung: ${difference} Zeilen`,
    noTables: 'In diesem Lauf wurde keine Tabelle verarbeitet.',

    rules: 'Regeln',
    ruleId: 'Regel',
    ruleType: 'Typ',
    column: 'Spalte',
    severity: 'Schweregrad',
    severityValue: { error: 'Fehler', warn: 'Warnung' },
    rowsChecked: 'Geprüfte Zeilen',
    failedRows: 'Fehlerhafte Zeilen',
    failureRatio: 'Fehleranteil',
    message: 'Meldung',
    observed: 'Beobachteter Wert',
    tableRulePassed: 'erfüllt',
    tableRuleFailed: 'verletzt',
    notApplicable: '–',
    noRules: 'Für diese Tabelle sind keine Regeln definiert.',
    changes: 'Änderungen in diesem Lauf',
    rowsFromSource: 'Aus der Quelle gelesen',
    deletedRows: 'In der Quelle gelöscht',
    incrementalCheck: (checked, affected) => `${checked} Zeilen geprüft (Änderungen und ${affected} davon betroffene veröffentlichte Zeilen); die übrigen Ergebnisse gelten weiter`,
    silverParts: (rewritten, total) => `${rewritten} von ${total} Silver-Dateien neu geschrieben, die übrigen unverändert übernommen`,
    watermarkHigh: 'Höchster Watermark-Wert',
    readFrom: 'Gelesen ab Watermark',
    schemaChanges: 'Spaltenänderungen',

    samples: (sampleCount, failedRows) => `Beispiele fehlerhafter Zeilen (${sampleCount} von ${failedRows})`,
    sampleValue: 'Geprüfter Wert',
    emptyValue: '(leer)',
    nullValue: 'NULL',

    summaryHeading: (runId, status) => `Aurora-Lauf ${runId}: ${status}`,
    summaryRead: 'gelesen',
    summarySilver: 'Silver',
    summaryQuarantine: 'Quarantäne',
    summaryTotal: 'GESAMT',
    summaryWarned: (rows) => `Warnungen: ${rows} Zeilen in Silver verletzen Warnregeln.`,
    summaryTopRules: (listedCount, failingCount) =>
      listedCount === failingCount
        ? `Verletzte Regeln nach fehlerhaften Zeilen (${failingCount}):`
        : `Verletzte Regeln nach fehlerhaften Zeilen (die ${listedCount} größten von ${failingCount}):`,
    summaryNoFailingRules: 'Keine Regel wurde verletzt.',
    summaryDuration: 'Dauer',
    summaryReport: 'Bericht',
    summaryError: 'Fehler',
  },
  en: {
    documentTitle: (runId) => `Data quality report ${runId}`,
    heading: 'Data quality report',
    runId: 'Run ID',
    status: 'Status',
    statusValue: { succeeded: 'succeeded', failed: 'failed' },
    mode: 'Mode',
    modeFull: 'Full load',
    modeDelta: 'Delta load',
    startedAt: 'Started',
    finishedAt: 'Finished',
    duration: 'Duration',
    source: 'Source',
    configFile: 'Configuration file',
    timeZoneNote: (timeZone) => `Times in the ${timeZone} time zone.`,

    runFailed: 'Run failed',
    errorCode: 'Error code',

    totals: 'Totals',
    rowsRead: 'Rows read',
    silverRows: 'Clean rows (silver)',
    quarantinedRows: 'Quarantined rows',
    quarantineRatio: 'Quarantine ratio',
    warnedRows: 'Rows with warnings',
    warnedRowsNote: 'These rows fail only warning rules and are included in silver.',
    failingRules: 'Failing rules',

    tables: 'Tables',
    table: 'Table',
    sourceName: 'Source table',
    threshold: 'Max. quarantine ratio',
    noThreshold: 'none',
    thresholdExceeded: 'exceeded',
    partitions: 'Partitions',
    extract: 'Extract',
    validate: 'Validate',
    publish: 'Publish',
    balanceCheck: 'silver + quarantine = read',
    balanceMismatch: (difference) => `Difference: ${difference} rows`,
    noTables: 'No table was processed in this run.',

    rules: 'Rules',
    ruleId: 'Rule',
    ruleType: 'Type',
    column: 'Column',
    severity: 'Severity',
    severityValue: { error: 'error', warn: 'warning' },
    rowsChecked: 'Rows checked',
    failedRows: 'Failed rows',
    failureRatio: 'Failure ratio',
    message: 'Message',
    observed: 'Observed value',
    tableRulePassed: 'passed',
    tableRuleFailed: 'failed',
    notApplicable: '–',
    noRules: 'No rules are defined for this table.',
    changes: 'Changes in this run',
    rowsFromSource: 'Read from the source',
    deletedRows: 'Deleted in the source',
    incrementalCheck: (checked, affected) => `${checked} rows checked (changes and ${affected} published rows they affect); the other results still hold`,
    silverParts: (rewritten, total) => `${rewritten} of ${total} silver files rewritten, the others kept unchanged`,
    watermarkHigh: 'Highest watermark value',
    readFrom: 'Read from watermark',
    schemaChanges: 'Column changes',

    samples: (sampleCount, failedRows) => `Sample failing rows (${sampleCount} of ${failedRows})`,
    sampleValue: 'Checked value',
    emptyValue: '(empty)',
    nullValue: 'NULL',

    summaryHeading: (runId, status) => `Aurora run ${runId}: ${status}`,
    summaryRead: 'read',
    summarySilver: 'silver',
    summaryQuarantine: 'quarantine',
    summaryTotal: 'TOTAL',
    summaryWarned: (rows) => `Warnings: ${rows} rows in silver fail warning rules.`,
    summaryTopRules: (listedCount, failingCount) =>
      listedCount === failingCount
        ? `Failing rules by failed rows (${failingCount}):`
        : `Failing rules by failed rows (top ${listedCount} of ${failingCount}):`,
    summaryNoFailingRules: 'No rule failed.',
    summaryDuration: 'Duration',
    summaryReport: 'Report',
    summaryError: 'Error',
  },
};

/** Returns the report texts for `language`. */
export function reportMessages(language: Language): ReportMessages {
  return REPORT_MESSAGES[language];
}
