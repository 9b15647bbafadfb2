import type { Language } from '../i18n/language.js';
import { describeSchemaChange } from '../i18n/schema-change-text.js';

/**
 * Exit codes by the party that has to act: the person who wrote the files (2), the source
 * database (3), the data itself (4), the lake's storage (5), the quality gate (6), and the
 * published snapshot that no longer matches its source (7).
 */
export const EXIT_CODES = {
  internal: 1,
  configuration: 2,
  source: 3,
  data: 4,
  lake: 5,
  qualityGate: 6,
  reconcile: 7,
} as const;

/** A place in a YAML file, for messages that must say where to look. */
export interface FileLocation {
  file: string;
  line?: number;
  column?: number;
  /** The YAML path, for example `tables[2].primary_key`. */
  key?: string;
}

/** One problem in a config or rule file; validation collects all of them before failing. */
export interface FileProblem extends FileLocation {
  problem: { de: string; en: string };
}

interface ErrorDefinition<P> {
  exitCode: number;
  httpStatus: number;
  de: (params: P) => string;
  en: (params: P) => string;
}

function define<P>(definition: ErrorDefinition<P>): ErrorDefinition<P> {
  return definition;
}

/** Renders `file:line:column (key)` for messages. */
export function describeLocation(location: FileLocation): string {
  const position = [location.file, location.line, location.column].filter((part) => part !== undefined).join(':');
  return location.key ? `${position} (${location.key})` : position;
}

function listProblems(problems: FileProblem[], language: Language): string {
  return problems.map((entry) => `  - ${describeLocation(entry)}: ${entry.problem[language]}`).join('\n');
}

/**
 * Every error Aurora reports to a user, with its exit code, HTTP status and message in each
 * language. docs/errors.md explains each code; a test keeps the two in step.
 */
export const ERROR_CATALOG = {
  CONFIG_NOT_FOUND: define<{ file: string }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 500,
    de: (p) => `Konfigurationsdatei ${p.file} nicht gefunden. Pfad mit --config angeben.`,
    en: (p) => `Configuration file ${p.file} not found. Pass its path with --config.`,
  }),
  CONFIG_INVALID: define<{ file: string; problems: FileProblem[] }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 500,
    de: (p) => `Konfiguration ${p.file} ist ungültig (${p.problems.length} Fehler):\n${listProblems(p.problems, 'de')}`,
    en: (p) => `Configuration ${p.file} is invalid (${p.problems.length} problem(s)):\n${listProblems(p.problems, 'en')}`,
  }),
  RULES_INVALID: define<{ file: string; problems: FileProblem[] }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 500,
    de: (p) => `Regeldatei ${p.file} ist ungültig (${p.problems.length} Fehler):\n${listProblems(p.problems, 'de')}`,
    en: (p) => `Rule file ${p.file} is invalid (${p.problems.length} problem(s)):\n${listProblems(p.problems, 'en')}`,
  }),
  MODELS_INVALID: define<{ folder: string; problems: FileProblem[] }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 500,
    de: (p) => `Gold-Modelle in ${p.folder} sind ungültig (${p.problems.length} Fehler):\n${listProblems(p.problems, 'de')}`,
    en: (p) => `Gold models in ${p.folder} are invalid (${p.problems.length} problem(s)):\n${listProblems(p.problems, 'en')}`,
  }),
  GOLD_MODEL_FAILED: define<{ model: string; file: string; detail: string }>({
    exitCode: EXIT_CODES.data,
    httpStatus: 500,
    de: (p) =>
      `Gold-Modell ${p.model} (${p.file}) ist fehlgeschlagen: ${p.detail}. Die SQL-Abfrage an diesen Daten korrigieren, etwa mit TRY_CAST statt CAST oder NULLIF gegen Division durch null.`,
    en: (p) =>
      `Gold model ${p.model} (${p.file}) failed: ${p.detail}. Fix the query for this data, for example with TRY_CAST instead of CAST or NULLIF against division by zero.`,
  }),
  SOURCE_UNREACHABLE: define<{ source: string; detail: string }>({
    exitCode: EXIT_CODES.source,
    httpStatus: 503,
    de: (p) =>
      `Quelle ${p.source} ist nicht erreichbar: ${p.detail}. Adresse, Port, Zugangsdaten und Netzwerk prüfen, dann erneut starten.`,
    en: (p) => `Source ${p.source} is unreachable: ${p.detail}. Check host, port, credentials and network, then run again.`,
  }),
  SOURCE_FILE_NOT_FOUND: define<{ path: string; expected: 'file' | 'folder' }>({
    exitCode: EXIT_CODES.source,
    httpStatus: 500,
    de: (p) =>
      `Die Quelle ${p.path} gibt es nicht oder sie ist kein${p.expected === 'file' ? 'e Datei' : ' Ordner'}. Pfad in aurora.yaml (source.${p.expected === 'file' ? 'path' : 'folder'}) prüfen; relative Pfade gelten ab dem Ordner der Konfiguration.`,
    en: (p) =>
      `The source ${p.path} does not exist or is not a ${p.expected}. Check source.${p.expected === 'file' ? 'path' : 'folder'} in aurora.yaml; relative paths start at the config's folder.`,
  }),
  SOURCE_TABLE_NOT_FOUND: define<{ table: string; source: string }>({
    exitCode: EXIT_CODES.source,
    httpStatus: 500,
    de: (p) =>
      `Tabelle ${p.table} existiert in der Quelle ${p.source} nicht. Namen (Groß-/Kleinschreibung, Schema) in aurora.yaml prüfen.`,
    en: (p) => `Table ${p.table} does not exist in source ${p.source}. Check the name (case, schema) in aurora.yaml.`,
  }),
  SOURCE_COLUMN_NOT_FOUND: define<{ table: string; column: string; role: string; available: string[] }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 500,
    de: (p) =>
      `Spalte ${p.column} (${p.role}) fehlt in Tabelle ${p.table}. Vorhandene Spalten: ${p.available.join(', ')}.`,
    en: (p) => `Column ${p.column} (${p.role}) is missing in table ${p.table}. Available columns: ${p.available.join(', ')}.`,
  }),
  SCHEMA_CHANGED: define<{
    previousRun: string;
    tables: { table: string; changes: { column: string; kind: string; oldType?: string; newType?: string }[] }[];
  }>({
    exitCode: EXIT_CODES.source,
    httpStatus: 409,
    de: (p) =>
      `Spalten in der Quelle haben sich seit Lauf ${p.previousRun} geändert:\n${p.tables
        .map(
          (t) =>
            `  ${t.table}:\n${t.changes
              .map((change) => `    - ${describeSchemaChange('de', change)}`)
              .join('\n')}`,
        )
        .join('\n')}\nÄnderungen in der Quelle prüfen; soll Aurora sie übernehmen, für die Tabelle schema_changes: evolve setzen.`,
    en: (p) =>
      `Source columns changed since run ${p.previousRun}:\n${p.tables
        .map(
          (t) =>
            `  ${t.table}:\n${t.changes
              .map((change) => `    - ${describeSchemaChange('en', change)}`)
              .join('\n')}`,
        )
        .join('\n')}\nCheck the changes in the source; to accept them, set schema_changes: evolve for the table.`,
  }),
  SOURCE_TYPE_UNSUPPORTED: define<{ table: string; column: string; sourceType: string }>({
    exitCode: EXIT_CODES.source,
    httpStatus: 500,
    de: (p) =>
      `Spalte ${p.table}.${p.column} hat den Typ ${p.sourceType}, den Aurora nicht verlustfrei übernehmen kann. Spalte in der Quelle per View umwandeln oder weglassen.`,
    en: (p) =>
      `Column ${p.table}.${p.column} has type ${p.sourceType}, which Aurora cannot load without loss. Convert it in a source view or leave it out.`,
  }),
  SOURCE_READ_FAILED: define<{ table: string; partition: number; detail: string }>({
    exitCode: EXIT_CODES.source,
    httpStatus: 500,
    de: (p) => `Lesen von ${p.table} (Partition ${p.partition}) fehlgeschlagen: ${p.detail}`,
    en: (p) => `Reading ${p.table} (partition ${p.partition}) failed: ${p.detail}`,
  }),
  VALUE_TYPE_MISMATCH: define<{ table: string; column: string; key: string; value: string; expected: string }>({
    exitCode: EXIT_CODES.data,
    httpStatus: 500,
    de: (p) =>
      `Wert ${JSON.stringify(p.value)} in ${p.table}.${p.column} (Schlüssel ${p.key}) passt nicht zum Typ ${p.expected}. Wert in der Quelle korrigieren oder den Spaltentyp anpassen.`,
    en: (p) =>
      `Value ${JSON.stringify(p.value)} in ${p.table}.${p.column} (key ${p.key}) does not fit type ${p.expected}. Fix the value in the source or change the column type.`,
  }),
  LAKE_NOT_WRITABLE: define<{ path: string; detail: string }>({
    exitCode: EXIT_CODES.lake,
    httpStatus: 500,
    de: (p) => `Lake-Ordner ${p.path} ist nicht beschreibbar: ${p.detail}. Rechte und freien Speicher prüfen.`,
    en: (p) => `Lake folder ${p.path} is not writable: ${p.detail}. Check permissions and free space.`,
  }),
  LAKE_PATH_NOT_FOLDER: define<{ path: string }>({
    exitCode: EXIT_CODES.lake,
    httpStatus: 500,
    de: (p) => `${p.path} im Lake ist eine Datei, kein Ordner (oder liegt unter einer Datei). Die Datei entfernen oder einen anderen Lake-Ordner angeben.`,
    en: (p) => `${p.path} in the lake is a file, not a folder (or lies below a file). Move the file away or choose another lake folder.`,
  }),
  LAKE_FULL: define<{ path: string }>({
    exitCode: EXIT_CODES.lake,
    httpStatus: 507,
    de: (p) =>
      `Kein Speicherplatz mehr im Lake-Ordner ${p.path}. Platz schaffen (alte Läufe entfernen) und erneut starten; der zuletzt veröffentlichte Stand ist unverändert.`,
    en: (p) =>
      `No space left in lake folder ${p.path}. Free space (remove old runs) and run again; the last published state is unchanged.`,
  }),
  QUARANTINE_THRESHOLD_EXCEEDED: define<{ table: string; ratio: string; maximum: string }>({
    exitCode: EXIT_CODES.qualityGate,
    httpStatus: 500,
    de: (p) =>
      `Quarantäne-Anteil von ${p.table} ist ${p.ratio}, erlaubt sind höchstens ${p.maximum}. Nichts wurde veröffentlicht; Bericht lesen und Quelldaten oder Regeln prüfen.`,
    en: (p) =>
      `Quarantine ratio of ${p.table} is ${p.ratio}, the maximum is ${p.maximum}. Nothing was published; read the report and check the source data or the rules.`,
  }),
  TABLE_CHECK_FAILED: define<{ table: string; rule: string; detail: string }>({
    exitCode: EXIT_CODES.qualityGate,
    httpStatus: 500,
    de: (p) => `Tabellenprüfung ${p.rule} für ${p.table} fehlgeschlagen: ${p.detail}. Nichts wurde veröffentlicht.`,
    en: (p) => `Table check ${p.rule} on ${p.table} failed: ${p.detail}. Nothing was published.`,
  }),
  SAMPLE_TARGET_INVALID: define<{ url: string; reason: string }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 400,
    de: (p) =>
      `Ziel ${p.url} ist ungültig: ${p.reason}. Erlaubt sind sqlite:pfad/datei.db, postgres://…, postgresql://…, mysql://… und mariadb://….`,
    en: (p) =>
      `Target ${p.url} is invalid: ${p.reason}. Use sqlite:path/file.db, postgres://…, postgresql://…, mysql://… or mariadb://….`,
  }),
  SAMPLE_TARGET_EXISTS: define<{ target: string; tables: string[] }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 409,
    de: (p) =>
      `Tabelle ${p.tables.join(', ')} existiert bereits in ${p.target}. Mit --replace ersetzen oder ein anderes Ziel wählen.`,
    en: (p) =>
      `Table ${p.tables.join(', ')} already exists in ${p.target}. Pass --replace to overwrite it or choose another target.`,
  }),
  SAMPLE_TARGET_UNREACHABLE: define<{ target: string; detail: string }>({
    exitCode: EXIT_CODES.source,
    httpStatus: 503,
    de: (p) =>
      `Ziel ${p.target} ist nicht erreichbar: ${p.detail}. Adresse, Port, Zugangsdaten und Datenbankname prüfen, dann erneut starten.`,
    en: (p) =>
      `Target ${p.target} is unreachable: ${p.detail}. Check host, port, credentials and database name, then run again.`,
  }),
  SAMPLE_LOAD_FAILED: define<{ target: string; table: string; detail: string }>({
    exitCode: EXIT_CODES.source,
    httpStatus: 500,
    de: (p) =>
      `Laden von ${p.table} in ${p.target} fehlgeschlagen: ${p.detail}. Das Ziel ist unverändert; Ursache beheben und erneut starten.`,
    en: (p) =>
      `Loading ${p.table} into ${p.target} failed: ${p.detail}. The target is unchanged; fix the cause and run again.`,
  }),
  SAMPLE_OPTION_INVALID: define<{ option: string; value: string; expected: { de: string; en: string } }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 400,
    de: (p) => `Ungültiger Wert ${p.value} für ${p.option}: erwartet wird ${p.expected.de}. Wert korrigieren und erneut starten.`,
    en: (p) => `Invalid value ${p.value} for ${p.option}: expected ${p.expected.en}. Correct the value and run again.`,
  }),
  SAMPLE_ERP_LOAD_FAILED: define<{
    target: string;
    table: string;
    detail: { de: string; en: string };
    /** Tables dropped after the failure, comma-separated. Empty when none existed. */
    dropped: string;
    /** Tables whose drop failed, with the reason. Empty when all were dropped. */
    notDropped: string;
  }>({
    exitCode: EXIT_CODES.source,
    httpStatus: 500,
    de: (p) =>
      `Laden der ERP-Beispieldaten in ${p.target} bei Tabelle ${p.table} fehlgeschlagen: ${p.detail.de}. ` +
      (p.notDropped === ''
        ? `Es bleibt keine ERP-Tabelle zurück${p.dropped === '' ? '' : ` (entfernt: ${p.dropped})`}. Ursache beheben und erneut starten.`
        : `Nicht entfernt werden konnten: ${p.notDropped}. Diese Tabellen von Hand löschen, dann mit --replace erneut starten.`),
    en: (p) =>
      `Loading the ERP sample into ${p.target} failed at table ${p.table}: ${p.detail.en}. ` +
      (p.notDropped === ''
        ? `No ERP table is left${p.dropped === '' ? '' : ` (dropped: ${p.dropped})`}. Fix the cause and run again.`
        : `These tables could not be dropped: ${p.notDropped}. Drop them by hand, then run again with --replace.`),
  }),
  RULE_EVALUATION_FAILED: define<{ table: string; rule: string; location: string; detail: string }>({
    exitCode: EXIT_CODES.data,
    httpStatus: 500,
    de: (p) =>
      `Regel ${p.rule} (${p.location}) ließ sich auf Tabelle ${p.table} nicht auswerten: ${p.detail}. Die Regel an diesen Daten scheitern lassen statt abbrechen, etwa mit TRY_CAST statt CAST.`,
    en: (p) =>
      `Rule ${p.rule} (${p.location}) could not be evaluated on table ${p.table}: ${p.detail}. Make the rule tolerate these values, for example with TRY_CAST instead of CAST.`,
  }),
  LAKE_BUSY: define<{ path: string; pid: number }>({
    exitCode: EXIT_CODES.lake,
    httpStatus: 409,
    de: (p) =>
      `Im Lake-Ordner ${p.path} läuft schon ein Lauf (Prozess ${p.pid}). Dessen Ende abwarten; ist der Prozess beendet, erkennt Aurora die Sperre beim nächsten Start als verwaist.`,
    en: (p) =>
      `Another run is active in lake folder ${p.path} (process ${p.pid}). Wait for it to end; once that process is gone, Aurora treats the lock as stale on the next start.`,
  }),
  COLUMN_NAME_RESERVED: define<{ table: string; column: string; prefix: string }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 500,
    de: (p) =>
      `Spalte ${p.table}.${p.column} beginnt mit ${p.prefix}; dieses Präfix ist für Aurora-Spalten reserviert. Spalte in der Quelle per View umbenennen.`,
    en: (p) =>
      `Column ${p.table}.${p.column} starts with ${p.prefix}, a prefix reserved for Aurora's own columns. Rename it in a source view.`,
  }),
  RUN_NOT_FOUND: define<{ runId: string; lake: string }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 404,
    de: (p) => `Einen Lauf "${p.runId}" gibt es im Lake ${p.lake} nicht. Mit "aurora runs" die vorhandenen Läufe anzeigen.`,
    en: (p) => `There is no run "${p.runId}" in lake ${p.lake}. List the runs with "aurora runs".`,
  }),
  RUN_NOT_RESTORABLE: define<{ runId: string; reason: 'failed' | 'removed' }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 409,
    de: (p) =>
      p.reason === 'failed'
        ? `Lauf ${p.runId} ist fehlgeschlagen und hat keinen Snapshot. Einen erfolgreichen Lauf aus "aurora runs" wählen.`
        : `Der Snapshot von Lauf ${p.runId} wurde durch die Aufbewahrungsfrist entfernt. Einen wiederherstellbaren Lauf aus "aurora runs" wählen.`,
    en: (p) =>
      p.reason === 'failed'
        ? `Run ${p.runId} failed and has no snapshot. Choose a succeeded run from "aurora runs".`
        : `The snapshot of run ${p.runId} was removed by retention. Choose a restorable run from "aurora runs".`,
  }),
  RECONCILE_NOTHING_PUBLISHED: define<{ lake: string }>({
    exitCode: EXIT_CODES.lake,
    httpStatus: 404,
    de: (p) =>
      `Im Lake-Ordner ${p.lake} ist noch kein Snapshot veröffentlicht, es gibt nichts abzugleichen. Zuerst einen Lauf mit aurora run abschließen.`,
    en: (p) =>
      `No snapshot has been published in lake folder ${p.lake} yet, so there is nothing to reconcile. Complete a run with aurora run first.`,
  }),
  RECONCILE_TABLE_NOT_IN_SNAPSHOT: define<{ table: string; runId: string }>({
    exitCode: EXIT_CODES.lake,
    httpStatus: 409,
    de: (p) =>
      `Tabelle ${p.table} steht in aurora.yaml, fehlt aber im veröffentlichten Snapshot ${p.runId}. Einen Lauf mit aurora run abschließen oder die Tabelle aus aurora.yaml entfernen.`,
    en: (p) =>
      `Table ${p.table} is in aurora.yaml but missing from the published snapshot ${p.runId}. Complete a run with aurora run or remove the table from aurora.yaml.`,
  }),
  RECONCILE_COLUMNS_DIFFER: define<{ table: string; runId: string; missing: string[] }>({
    exitCode: EXIT_CODES.reconcile,
    httpStatus: 409,
    de: (p) =>
      `Die Quelle hat in ${p.table} Spalten, die der Snapshot ${p.runId} nicht kennt: ${p.missing.join(', ')}. Die Quelle hat sich seit dem Lauf geändert; einen neuen Lauf starten und dann abgleichen.`,
    en: (p) =>
      `The source has columns in ${p.table} that snapshot ${p.runId} lacks: ${p.missing.join(', ')}. The source changed since the run; start a new run, then reconcile.`,
  }),
  RECONCILE_DIFFERENCES: define<{ runId: string; tables: string[] }>({
    exitCode: EXIT_CODES.reconcile,
    httpStatus: 409,
    de: (p) =>
      `Der veröffentlichte Snapshot ${p.runId} weicht von der Quelle ab in: ${p.tables.join(', ')}. Die genannten Schlüssel prüfen und bei Bedarf einen neuen Lauf starten.`,
    en: (p) =>
      `The published snapshot ${p.runId} differs from the source in: ${p.tables.join(', ')}. Check the listed keys and start a new run if needed.`,
  }),
  DELTA_WITHOUT_FULL_LOAD: define<{ lake: string }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 409,
    de: (p) => `Im Lake ${p.lake} ist noch nichts veröffentlicht, auf dem ein Delta aufsetzen könnte. Zuerst einen Full Load ausführen (aurora run ohne --mode delta).`,
    en: (p) => `Lake ${p.lake} has nothing published for a delta to build on. Run a full load first (aurora run without --mode delta).`,
  }),
  WATERMARK_HAS_NULLS: define<{ table: string; column: string; rows: number }>({
    exitCode: EXIT_CODES.data,
    httpStatus: 500,
    de: (p) =>
      `Die Watermark-Spalte ${p.table}.${p.column} ist in ${p.rows} Zeile(n) leer (NULL); solche Zeilen würde kein Delta je finden. Werte in der Quelle füllen oder eine andere Spalte als watermark_column wählen.`,
    en: (p) =>
      `The watermark column ${p.table}.${p.column} is empty (NULL) in ${p.rows} row(s); no delta would ever find those rows. Fill the values in the source or choose another watermark_column.`,
  }),
  WATERMARK_WENT_BACKWARDS: define<{ table: string; column: string; previous: string; current: string }>({
    exitCode: EXIT_CODES.data,
    httpStatus: 500,
    de: (p) =>
      `Die Watermark ${p.table}.${p.column} ist zurückgegangen: höchster Wert jetzt ${p.current}, beim letzten Lauf ${p.previous}. Quelle prüfen (zurückgespieltes Backup, Uhrzeit); danach einen Full Load ausführen.`,
    en: (p) =>
      `The watermark ${p.table}.${p.column} went backwards: its maximum is now ${p.current}, at the last run it was ${p.previous}. Check the source (a restored backup, the clock), then run a full load.`,
  }),
  LOOKBACK_NOT_A_TIME: define<{ table: string; column: string; type: string }>({
    exitCode: EXIT_CODES.configuration,
    httpStatus: 500,
    de: (p) =>
      `lookback für ${p.table} gilt nur für Datums- und Zeitspalten, die Watermark ${p.column} hat den Typ ${p.type}. lookback entfernen oder eine Zeitspalte als watermark_column wählen.`,
    en: (p) =>
      `lookback for ${p.table} applies only to date and time columns, but the watermark ${p.column} has type ${p.type}. Remove lookback or choose a time column as watermark_column.`,
  }),
  INTERNAL: define<{ detail: string }>({
    exitCode: EXIT_CODES.internal,
    httpStatus: 500,
    de: (p) => `Interner Fehler: ${p.detail}. Bitte mit dem Log melden.`,
    en: (p) => `Internal error: ${p.detail}. Please report it with the log.`,
  }),
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export type ErrorParams<C extends ErrorCode> = Parameters<(typeof ERROR_CATALOG)[C]['en']>[0];
