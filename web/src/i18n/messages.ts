import { currentLanguage, type Language } from './language.js';

/** Every text of the dashboard's own interface. API error messages come localized from the server. */
const MESSAGES = {
  appTitle: { de: 'Aurora', en: 'Aurora' },
  appSubtitle: { de: 'Kennzahlen und Datenqualität', en: 'KPIs and data quality' },
  skipToContent: { de: 'Zum Inhalt springen', en: 'Skip to content' },
  mainNavigation: { de: 'Hauptnavigation', en: 'Main navigation' },
  navKpis: { de: 'Kennzahlen', en: 'KPIs' },
  navOrders: { de: 'Aufträge', en: 'Orders' },
  navQuality: { de: 'Datenqualität', en: 'Data quality' },
  languageToggle: { de: 'Sprache', en: 'Language' },
  signOut: { de: 'Abmelden', en: 'Sign out' },
  signedInAs: { de: 'Angemeldet als', en: 'Signed in as' },
  loading: { de: 'Wird geladen …', en: 'Loading …' },
  retry: { de: 'Erneut versuchen', en: 'Try again' },
  networkError: {
    de: 'Der Server ist nicht erreichbar. Verbindung prüfen und erneut versuchen.',
    en: 'The server cannot be reached. Check the connection and try again.',
  },
  unexpectedResponse: {
    de: 'Der Server hat mit Status {status} ohne lesbare Fehlermeldung geantwortet.',
    en: 'The server answered with status {status} and no readable error message.',
  },
  unexpectedError: {
    de: 'Im Dashboard ist ein unerwarteter Fehler aufgetreten. Bitte die Seite neu laden.',
    en: 'An unexpected error occurred in the dashboard. Please reload the page.',
  },

  signInTitle: { de: 'Anmelden', en: 'Sign in' },
  signInIntro: { de: 'Melden Sie sich an, um die Kennzahlen zu sehen.', en: 'Sign in to see the KPIs.' },
  username: { de: 'Benutzername', en: 'Username' },
  password: { de: 'Passwort', en: 'Password' },
  signInButton: { de: 'Anmelden', en: 'Sign in' },
  signInMicrosoft: { de: 'Anmelden mit Microsoft', en: 'Sign in with Microsoft' },
  signInOr: { de: 'oder', en: 'or' },
  signInUnavailable: {
    de: 'Für dieses Dashboard ist keine Anmeldung eingerichtet. Bitte wenden Sie sich an den Betrieb.',
    en: 'No sign-in is set up for this dashboard. Please contact the operations team.',
  },

  kpiTitle: { de: 'Kennzahlen', en: 'KPIs' },
  model: { de: 'Modell', en: 'Model' },
  filters: { de: 'Filter', en: 'Filters' },
  dateFrom: { de: 'Von', en: 'From' },
  dateTo: { de: 'Bis', en: 'To' },
  datePlaceholder: { de: 'TT.MM.JJJJ', en: 'DD/MM/YYYY' },
  invalidDate: { de: 'Datum als TT.MM.JJJJ eingeben, etwa 31.12.2025.', en: 'Enter the date as DD/MM/YYYY, such as 31/12/2025.' },
  allValues: { de: 'Alle', en: 'All' },
  resetFilters: { de: 'Filter zurücksetzen', en: 'Reset filters' },
  chartTitle: { de: 'Verlauf je Monat', en: 'Trend by month' },
  chartMeasure: { de: 'Kennzahl im Diagramm', en: 'Measure in the chart' },
  chartEmpty: { de: 'Keine Werte für die gewählten Filter.', en: 'No values for the selected filters.' },
  chartDescription: { de: '{measure} je Monat, {count} Monate', en: '{measure} by month, {count} months' },
  noModels: {
    de: 'Der veröffentlichte Stand enthält keine Gold-Modelle.',
    en: 'The published snapshot contains no gold models.',
  },
  rowsInSelection: { de: '{count} Zeilen im Modell passen zu den Filtern.', en: '{count} rows of the model match the filters.' },
  asOfRun: { de: 'Stand: Lauf {runId}', en: 'As of run {runId}' },
  notAdditive: {
    de: 'Über mehrere Zeilen nicht summierbar; der Export enthält den Wert jeder Zeile.',
    en: 'Cannot be added up over rows; the export contains the value of each row.',
  },
  perCurrency: { de: 'je Währung', en: 'per currency' },
  derivedFrom: { de: 'berechnet aus {numerator} / {denominator}', en: 'computed as {numerator} / {denominator}' },
  export: { de: 'Export', en: 'Export' },
  exportCsv: { de: 'CSV herunterladen', en: 'Download CSV' },
  exportXlsx: { de: 'Excel herunterladen', en: 'Download Excel' },
  truncatedGroups: {
    de: 'Zu viele Gruppen; die Anzeige ist unvollständig. Filter enger setzen.',
    en: 'Too many groups; the view is incomplete. Narrow the filters.',
  },

  ordersTitle: { de: 'Aufträge', en: 'Orders' },
  loadMore: { de: 'Weitere laden', en: 'Load more' },
  rowsShown: { de: '{count} Zeilen angezeigt', en: '{count} rows shown' },
  allRowsShown: { de: 'Alle {count} Zeilen angezeigt', en: 'All {count} rows shown' },
  sortBy: { de: 'Sortieren nach {column}', en: 'Sort by {column}' },
  noRows: { de: 'Keine Zeilen.', en: 'No rows.' },

  qualityTitle: { de: 'Datenqualität', en: 'Data quality' },
  runs: { de: 'Läufe', en: 'Runs' },
  run: { de: 'Lauf', en: 'Run' },
  status: { de: 'Status', en: 'Status' },
  started: { de: 'Beginn', en: 'Started' },
  duration: { de: 'Dauer', en: 'Duration' },
  mode: { de: 'Art', en: 'Mode' },
  rowsRead: { de: 'Gelesen', en: 'Read' },
  silverRows: { de: 'Silver', en: 'Silver' },
  quarantinedRows: { de: 'Quarantäne', en: 'Quarantine' },
  quarantineRatio: { de: 'Quarantäneanteil', en: 'Quarantine share' },
  table: { de: 'Tabelle', en: 'Table' },
  rule: { de: 'Regel', en: 'Rule' },
  severity: { de: 'Schwere', en: 'Severity' },
  column: { de: 'Spalte', en: 'Column' },
  message: { de: 'Meldung', en: 'Message' },
  failedRows: { de: 'Fehlerhafte Zeilen', en: 'Failed rows' },
  failureRatio: { de: 'Anteil', en: 'Share' },
  tableSummary: {
    de: '{table}: {read} gelesen, {quarantined} in Quarantäne ({share})',
    en: '{table}: {read} read, {quarantined} quarantined ({share})',
  },
  ruleResults: { de: 'Ergebnisse je Regel', en: 'Results per rule' },
  onlyFailing: { de: 'Nur verletzte Regeln', en: 'Only failing rules' },
  showQuarantine: { de: 'Quarantäne zeigen', en: 'Show quarantine' },
  quarantineFor: { de: 'Quarantäne: {table}, Regel {rule}', en: 'Quarantine: {table}, rule {rule}' },
  severityError: { de: 'Fehler', en: 'Error' },
  severityWarn: { de: 'Warnung', en: 'Warning' },
  statusSucceeded: { de: 'erfolgreich', en: 'succeeded' },
  statusFailed: { de: 'fehlgeschlagen', en: 'failed' },
  noRuns: { de: 'Noch keine Läufe.', en: 'No runs yet.' },
  publishedRun: { de: 'veröffentlicht', en: 'published' },
  notFound: { de: 'Diese Seite gibt es nicht.', en: 'This page does not exist.' },
  notAllowed: { de: 'Ihre Rolle darf diese Seite nicht öffnen.', en: 'Your role may not open this page.' },
} as const satisfies Record<string, Record<Language, string>>;

export type MessageKey = keyof typeof MESSAGES;

/** Returns the text of `key` in the current language, with `{name}` placeholders replaced. */
export function t(key: MessageKey, values: Record<string, string> = {}): string {
  const template: string = MESSAGES[key][currentLanguage()];
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => values[name] ?? placeholder);
}
