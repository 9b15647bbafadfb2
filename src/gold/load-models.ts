import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import { problemAt, readYamlFile, validateAgainstSchema, type YamlFile } from '../config/yaml-file.js';
import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import { AuroraError, describeCause } from '../errors/aurora-error.js';
import type { FileProblem } from '../errors/catalog.js';
import { findTableReferences, type TableReference } from './sql-tree.js';

const MODEL_SCHEMA = JSON.parse(readFileSync(new URL('../../schemas/model.schema.json', import.meta.url), 'utf8')) as object;

/** Model names become Parquet file names, so they are restricted to lower-case identifiers. */
export const MODEL_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

export interface LocalizedText {
  de: string;
  en: string;
}

/** A column with its DuckDB type as DESCRIBE prints it, for example `DECIMAL(14,2)`. */
export interface ColumnType {
  name: string;
  type: string;
}

/** The columns of each silver table by table name, used to bind model SQL against empty stand-in tables. */
export type SilverTableColumns = ReadonlyMap<string, readonly ColumnType[]>;

export interface GoldMeasure {
  name: string;
  description: LocalizedText;
  unit?: string;
}

/** One checked gold model: its SELECT, its description and the columns the SELECT returns. */
export interface GoldModel {
  name: string;
  sqlFile: string;
  yamlFile: string;
  /** The SELECT without trailing semicolons, ready to be wrapped in COPY (...). */
  sql: string;
  description: LocalizedText;
  grain: string[];
  dimensions: string[];
  measures: GoldMeasure[];
  /** Silver tables the SELECT reads, spelled as in `silverTables`. */
  tables: string[];
  /** Output columns in SELECT order, from DESCRIBE against empty stand-in tables. */
  columns: ColumnType[];
}

/** Types a measure must not have, because binary floating point rounds amounts. */
const FLOATING_POINT_TYPES = new Set(['FLOAT', 'REAL', 'DOUBLE']);

/**
 * Reads every `<name>.sql` and `<name>.yaml` pair in `folder` (in name order) and checks it.
 * `silverTables` lists the tables a model may read, with their columns. Throws one
 * MODELS_INVALID error that lists every problem in every file, with line where known.
 */
export async function loadModels(folder: string, silverTables: SilverTableColumns): Promise<GoldModel[]> {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    throw modelsInvalid(folder, [
      {
        file: folder,
        problem: {
          de: `Modellordner kann nicht gelesen werden: ${describeCause(error)}. Pfad unter models in aurora.yaml prüfen.`,
          en: `Models folder cannot be read: ${describeCause(error)}. Check the models path in aurora.yaml.`,
        },
      },
    ]);
  }

  const problems: FileProblem[] = [];
  const pairs = pairFiles(folder, names, problems);

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const models: GoldModel[] = [];
  try {
    await createStandInTables(connection, silverTables);
    for (const pair of pairs) {
      const model = await loadModel(connection, pair, silverTables, problems);
      if (model !== undefined) {
        models.push(model);
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }

  if (problems.length > 0) {
    throw modelsInvalid(folder, problems);
  }
  return models;
}

function modelsInvalid(folder: string, problems: FileProblem[]): AuroraError<'MODELS_INVALID'> {
  return new AuroraError('MODELS_INVALID', { folder, problems });
}

interface ModelFiles {
  name: string;
  sqlFile: string;
  yamlFile: string;
}

/** Groups the folder's .sql and .yaml files by model name and reports files without a partner. */
function pairFiles(folder: string, names: readonly string[], problems: FileProblem[]): ModelFiles[] {
  const sqlNames = new Set<string>();
  const yamlNames = new Map<string, string>();
  for (const file of names) {
    const match = /^(.*)\.(sql|ya?ml)$/.exec(file);
    if (match === null) {
      continue;
    }
    const [, stem, extension] = match as unknown as [string, string, string];
    if (extension === 'sql') {
      sqlNames.add(stem);
    } else if (yamlNames.has(stem)) {
      problems.push({
        file: join(folder, file),
        problem: {
          de: `Modell ${stem} hat zwei Beschreibungsdateien (${yamlNames.get(stem)} und ${file}). Eine davon entfernen.`,
          en: `Model ${stem} has two description files (${yamlNames.get(stem)} and ${file}). Remove one of them.`,
        },
      });
    } else {
      yamlNames.set(stem, file);
    }
  }

  const pairs: ModelFiles[] = [];
  for (const stem of [...new Set([...sqlNames, ...yamlNames.keys()])].sort()) {
    const sqlFile = join(folder, `${stem}.sql`);
    const yamlName = yamlNames.get(stem);
    if (!MODEL_NAME_PATTERN.test(stem)) {
      problems.push({
        file: yamlName === undefined ? sqlFile : join(folder, yamlName),
        problem: {
          de: `Modellname ${JSON.stringify(stem)} ist ungültig: erlaubt sind Kleinbuchstaben, Ziffern und _, beginnend mit einem Buchstaben, höchstens 63 Zeichen. Dateien umbenennen.`,
          en: `Model name ${JSON.stringify(stem)} is invalid: use lower-case letters, digits and _, starting with a letter, at most 63 characters. Rename the files.`,
        },
      });
      continue;
    }
    if (yamlName === undefined) {
      problems.push({
        file: sqlFile,
        problem: {
          de: `Zu ${stem}.sql fehlt die Beschreibung ${stem}.yaml. Datei anlegen (siehe docs/models.de.md).`,
          en: `${stem}.sql has no description file ${stem}.yaml. Create it (see docs/models.md).`,
        },
      });
      continue;
    }
    if (!sqlNames.has(stem)) {
      problems.push({
        file: join(folder, yamlName),
        problem: {
          de: `Zu ${yamlName} fehlt die Abfrage ${stem}.sql. Datei anlegen oder die Beschreibung entfernen.`,
          en: `${yamlName} has no query file ${stem}.sql. Create it or remove the description.`,
        },
      });
      continue;
    }
    pairs.push({ name: stem, sqlFile, yamlFile: join(folder, yamlName) });
  }
  return pairs;
}

/** Creates one empty table per silver table, then cuts DuckDB off from files, so binding a model can read nothing. */
async function createStandInTables(connection: DuckDBConnection, silverTables: SilverTableColumns): Promise<void> {
  for (const [table, columns] of silverTables) {
    const columnList = columns.map((column) => `${quoteIdentifier(column.name)} ${column.type}`).join(', ');
    await connection.run(`CREATE TABLE ${quoteIdentifier(table)} (${columnList})`);
  }
  await connection.run('SET enable_external_access = false');
}

async function loadModel(connection: DuckDBConnection, files: ModelFiles, silverTables: SilverTableColumns, problems: FileProblem[]): Promise<GoldModel | undefined> {
  const read = readYamlFile(files.yamlFile);
  if (!read.ok) {
    problems.push(...read.problems);
    return undefined;
  }
  const schemaProblems = validateAgainstSchema(read.yaml, MODEL_SCHEMA);
  if (schemaProblems.length > 0) {
    problems.push(...schemaProblems);
    return undefined;
  }
  const description = read.yaml.document.toJS() as Pick<GoldModel, 'description' | 'grain' | 'dimensions' | 'measures'>;
  const declarationProblems = checkDeclaredColumns(read.yaml, description);
  problems.push(...declarationProblems);

  const sqlText = readFileSync(files.sqlFile, 'utf8');
  const sql = sqlText.replace(/[\s;]+$/, '');
  const tables = await checkSelectStatement(connection, files.sqlFile, sql, silverTables, problems);
  if (tables === undefined) {
    return undefined;
  }
  const columns = await describeSelect(connection, files.sqlFile, sql, problems);
  if (columns === undefined || declarationProblems.length > 0) {
    return undefined;
  }

  const returnProblems = checkReturnedColumns(read.yaml, description, columns);
  if (returnProblems.length > 0) {
    problems.push(...returnProblems);
    return undefined;
  }

  return {
    name: files.name,
    sqlFile: files.sqlFile,
    yamlFile: files.yamlFile,
    sql,
    description: description.description,
    grain: description.grain,
    dimensions: description.dimensions,
    measures: description.measures.map((measure) => ({ ...measure })),
    tables,
    columns,
  };
}

/** Checks that no column is declared twice and that the grain consists of dimensions. */
function checkDeclaredColumns(yaml: YamlFile, description: Pick<GoldModel, 'grain' | 'dimensions' | 'measures'>): FileProblem[] {
  const problems: FileProblem[] = [];
  const dimensions = new Set(description.dimensions);
  description.measures.forEach((measure, index) => {
    const earlier = description.measures.findIndex((other) => other.name === measure.name);
    if (dimensions.has(measure.name) || earlier < index) {
      problems.push(
        problemAt(yaml, ['measures', index, 'name'], {
          de: `Spalte ${measure.name} ist mehrfach als Dimension oder Kennzahl angegeben. Jede Spalte nur einmal nennen.`,
          en: `Column ${measure.name} is listed more than once as a dimension or measure. List each column once.`,
        }),
      );
    }
  });
  description.grain.forEach((column, index) => {
    if (!dimensions.has(column)) {
      problems.push(
        problemAt(yaml, ['grain', index], {
          de: `Grain-Spalte ${column} steht nicht unter dimensions. Sie dort ergänzen.`,
          en: `Grain column ${column} is not listed under dimensions. Add it there.`,
        }),
      );
    }
  });
  return problems;
}

/**
 * Parses the SQL with DuckDB's json_serialize_sql, which serializes only SELECT statements,
 * and returns the silver tables it reads. Rejects several statements, table functions and
 * tables that are not silver tables. Returns undefined after adding problems.
 */
async function checkSelectStatement(
  connection: DuckDBConnection,
  sqlFile: string,
  sql: string,
  silverTables: SilverTableColumns,
  problems: FileProblem[],
): Promise<string[] | undefined> {
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS tree`);
  const tree = JSON.parse(String(reader.getRows()[0]?.[0])) as { error: boolean; error_message?: string; position?: string; statements?: unknown[] };

  if (tree.error) {
    const notSelect = tree.error_message === 'Only SELECT statements can be serialized to json!';
    problems.push({
      file: sqlFile,
      line: tree.position === undefined ? undefined : lineAtOffset(sql, Number(tree.position)),
      problem: notSelect
        ? {
            de: 'Die Datei enthält eine Anweisung, die kein SELECT ist (etwa COPY, ATTACH, INSTALL oder CREATE). Ein Modell ist genau ein SELECT.',
            en: 'The file contains a statement that is not a SELECT (such as COPY, ATTACH, INSTALL or CREATE). A model is exactly one SELECT.',
          }
        : {
            de: `SQL-Syntaxfehler: ${tree.error_message ?? 'unbekannt'}.`,
            en: `SQL syntax error: ${tree.error_message ?? 'unknown'}.`,
          },
    });
    return undefined;
  }
  if (tree.statements?.length !== 1) {
    problems.push({
      file: sqlFile,
      problem: {
        de: `Die Datei enthält ${tree.statements?.length ?? 0} Anweisungen. Ein Modell ist genau ein SELECT; weitere Anweisungen entfernen.`,
        en: `The file contains ${tree.statements?.length ?? 0} statements. A model is exactly one SELECT; remove the others.`,
      },
    });
    return undefined;
  }

  const silverByName = new Map([...silverTables.keys()].map((table) => [table.toLowerCase(), table]));
  const tables = new Set<string>();
  const before = problems.length;
  for (const reference of findTableReferences(tree.statements[0])) {
    const problem = describeForbiddenReference(reference, silverByName);
    if (problem !== undefined) {
      problems.push({ file: sqlFile, line: reference.offset === undefined ? undefined : lineAtOffset(sql, reference.offset), problem });
    } else if (reference.kind === 'table') {
      tables.add(silverByName.get(reference.name.toLowerCase()) as string);
    }
  }
  return problems.length > before ? undefined : [...tables].sort();
}

function describeForbiddenReference(reference: TableReference, silverByName: ReadonlyMap<string, string>): LocalizedText | undefined {
  if (reference.kind === 'function') {
    return {
      de: `Tabellenfunktion ${reference.name} ist in Modellen nicht erlaubt; ein Modell liest nur Silver-Tabellen über ihren Namen.`,
      en: `Table function ${reference.name} is not allowed in models; a model reads only silver tables by their names.`,
    };
  }
  if (reference.kind === 'other') {
    return {
      de: `${reference.name} ist in der FROM-Klausel eines Modells nicht erlaubt; nur Silver-Tabellen, Unterabfragen, CTEs und VALUES.`,
      en: `${reference.name} is not allowed in the FROM clause of a model; use only silver tables, subqueries, CTEs and VALUES.`,
    };
  }
  if (reference.qualified || !silverByName.has(reference.name.toLowerCase())) {
    const known = [...silverByName.values()].join(', ');
    return {
      de: `Tabelle ${reference.name} ist keine Silver-Tabelle. Vorhanden: ${known}. Modelle lesen nur Silver-Tabellen, keine Dateien und keine anderen Modelle.`,
      en: `Table ${reference.name} is not a silver table. Known tables: ${known}. Models read only silver tables, no files and no other models.`,
    };
  }
  return undefined;
}

/** Binds the SELECT against the empty stand-in tables and returns its output columns. */
async function describeSelect(connection: DuckDBConnection, sqlFile: string, sql: string, problems: FileProblem[]): Promise<ColumnType[] | undefined> {
  try {
    // The SQL starts on its own line, so DuckDB's "LINE n" is the file's line n - 1.
    const reader = await connection.runAndReadAll(`DESCRIBE (\n${sql}\n)`);
    return reader.getRowObjectsJson().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
  } catch (error) {
    const message = describeCause(error);
    const line = /^LINE (\d+):/m.exec(message);
    problems.push({
      file: sqlFile,
      line: line === null ? undefined : Math.max(1, Number(line[1]) - 1),
      problem: {
        de: `Die Abfrage lässt sich nicht gegen die Silver-Tabellen binden: ${firstLine(message)}`,
        en: `The query does not bind against the silver tables: ${firstLine(message)}`,
      },
    });
    return undefined;
  }
}

/** Checks that every declared dimension and measure is returned and that no measure is a floating-point number. */
function checkReturnedColumns(yaml: YamlFile, description: Pick<GoldModel, 'dimensions' | 'measures'>, columns: readonly ColumnType[]): FileProblem[] {
  const types = new Map(columns.map((column) => [column.name, column.type]));
  const returned = columns.map((column) => column.name).join(', ');
  const problems: FileProblem[] = [];
  const missing = (path: (string | number)[], name: string): FileProblem =>
    problemAt(yaml, path, {
      de: `Spalte ${name} fehlt im Ergebnis des SELECT (Groß-/Kleinschreibung zählt). Das SELECT liefert: ${returned}.`,
      en: `Column ${name} is not returned by the SELECT (case matters). The SELECT returns: ${returned}.`,
    });

  description.dimensions.forEach((name, index) => {
    if (!types.has(name)) {
      problems.push(missing(['dimensions', index], name));
    }
  });
  description.measures.forEach((measure, index) => {
    const type = types.get(measure.name);
    if (type === undefined) {
      problems.push(missing(['measures', index, 'name'], measure.name));
    } else if (FLOATING_POINT_TYPES.has(type)) {
      problems.push(
        problemAt(yaml, ['measures', index, 'name'], {
          de: `Kennzahl ${measure.name} hat den Typ ${type}, der Beträge rundet. Im SELECT nach DECIMAL umwandeln, etwa CAST(... AS DECIMAL(18, 4)).`,
          en: `Measure ${measure.name} has type ${type}, which rounds amounts. Cast it to DECIMAL in the SELECT, for example CAST(... AS DECIMAL(18, 4)).`,
        }),
      );
    }
  });
  return problems;
}

/** Returns the 1-based line of a byte offset that DuckDB reports for the UTF-8 text. */
function lineAtOffset(sql: string, offset: number): number {
  const before = Buffer.from(sql, 'utf8').subarray(0, offset).toString('utf8');
  return before.split('\n').length;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

