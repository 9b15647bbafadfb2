import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

import { keyPathOf, lineOf, problemAt, readYamlFile, scalarSourceText, validateAgainstSchema, type YamlFile } from '../config/yaml-file.js';
import { describeCause } from '../errors/aurora-error.js';
import type { FileProblem } from '../errors/catalog.js';
import {
  checkCondition,
  checkRegex,
  checkStrptimeFormat,
  rulesInvalidError,
  unknownColumnProblem,
} from './compile-rules.js';
import type { LocalizedText, Rule, RuleOrigin, Severity, TableRuleSet } from './types.js';

const RULES_SCHEMA = JSON.parse(readFileSync(new URL('../../schemas/rules.schema.json', import.meta.url), 'utf8')) as object;

type Path = (string | number)[];

/** The raw YAML of one rule after schema validation, with the YAML path it came from. */
interface RawRule {
  path: Path;
  fields: Record<string, unknown>;
}

/** The state for checking one file. Problems go into `problems`, and loadRuleSets throws them at the end. */
interface FileCheck {
  yaml: YamlFile;
  tables: ReadonlyMap<string, readonly string[]>;
  problems: FileProblem[];
  /** Origin of each rule id per table, across all files, including rules that had problems. */
  ruleIds: Map<string, Map<string, RuleOrigin>>;
  connection: () => Promise<DuckDBConnection>;
}

/**
 * Reads every *.yaml and *.yml file in `folder` (in name order) and returns the rules per
 * table. `tables` maps each loaded table to its column names. Every table in `tables` gets a
 * rule set, an empty one when no file names it. Throws one RULES_INVALID error that lists
 * every problem in every file; a file with schema errors gets no semantic checks, because its
 * shape is unknown.
 */
export async function loadRuleSets(folder: string, tables: ReadonlyMap<string, readonly string[]>): Promise<Map<string, TableRuleSet>> {
  const ruleSets = new Map<string, TableRuleSet>();
  for (const table of tables.keys()) {
    ruleSets.set(table, { table, rules: [], files: [] });
  }

  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    throw rulesInvalidError([
      {
        file: folder,
        problem: {
          de: `Regelordner kann nicht gelesen werden: ${describeCause(error)}. Pfad unter rules in aurora.yaml prüfen.`,
          en: `Rules folder cannot be read: ${describeCause(error)}. Check the rules path in aurora.yaml.`,
        },
      },
    ]);
  }
  const files = names
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .map((name) => join(folder, name));

  // DuckDB checks regular expressions, strptime formats and SQL conditions, so the loader
  // accepts exactly what the compiled SQL will run. It starts only when a file needs it.
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  const openConnection = async (): Promise<DuckDBConnection> => {
    instance ??= await DuckDBInstance.create(':memory:');
    connection ??= await instance.connect();
    return connection;
  };

  const problems: FileProblem[] = [];
  const ruleIds = new Map<string, Map<string, RuleOrigin>>();
  try {
    for (const file of files) {
      const read = readYamlFile(file);
      if (!read.ok) {
        problems.push(...read.problems);
        continue;
      }
      const schemaProblems = validateAgainstSchema(read.yaml, RULES_SCHEMA);
      if (schemaProblems.length > 0) {
        problems.push(...schemaProblems);
        continue;
      }
      await loadFile({ yaml: read.yaml, tables, problems, ruleIds, connection: openConnection }, ruleSets);
    }
  } finally {
    connection?.closeSync();
    instance?.closeSync();
  }

  if (problems.length > 0) {
    throw rulesInvalidError(problems);
  }
  return ruleSets;
}

async function loadFile(check: FileCheck, ruleSets: Map<string, TableRuleSet>): Promise<void> {
  const document = check.yaml.document.toJS() as Record<string, unknown>;
  const sections: { table: string; path: Path; body: Record<string, unknown> }[] = [];

  if (document.tables !== undefined) {
    for (const [table, body] of Object.entries(document.tables as Record<string, Record<string, unknown>>)) {
      sections.push({ table, path: ['tables', table], body });
    }
  } else {
    sections.push({ table: String(document.table), path: [], body: document });
  }

  for (const section of sections) {
    const tableKey = section.path.length === 0 ? ['table'] : section.path;
    const ruleSet = ruleSets.get(section.table);
    const columns = check.tables.get(section.table);
    if (!ruleSet || !columns) {
      check.problems.push(problemAt(check.yaml, tableKey, unknownTableProblem(section.table, [...check.tables.keys()])));
      continue;
    }

    applyQuarantineRatio(check, section.path, section.body.max_quarantine_ratio, ruleSet);
    if (!ruleSet.files.includes(check.yaml.file)) {
      ruleSet.files.push(check.yaml.file);
    }

    const rawRules = (section.body.rules as Record<string, unknown>[]).map((fields, index): RawRule => ({
      path: [...section.path, 'rules', index],
      fields,
    }));
    const seenIds = check.ruleIds.get(section.table) ?? new Map<string, RuleOrigin>();
    check.ruleIds.set(section.table, seenIds);
    for (const raw of rawRules) {
      const id = String(raw.fields.id);
      const first = seenIds.get(id);
      if (first) {
        check.problems.push(
          problemAt(check.yaml, [...raw.path, 'id'], {
            de: `Regel-ID ${id} gibt es für Tabelle ${section.table} schon (${first.file}:${first.line}). IDs müssen je Tabelle eindeutig sein.`,
            en: `Rule id ${id} already exists for table ${section.table} (${first.file}:${first.line}). Ids must be unique per table.`,
          }),
        );
      }

      const rule = await buildRule(check, raw, section.table, columns);
      if (!first) {
        seenIds.set(id, { file: check.yaml.file, line: lineOf(check.yaml, raw.path) ?? 1, key: keyPathOf(raw.path) });
      }
      if (rule && !first) {
        ruleSet.rules.push(rule);
      }
    }
  }
}

function applyQuarantineRatio(check: FileCheck, path: Path, value: unknown, ruleSet: TableRuleSet): void {
  if (value === undefined) {
    return;
  }
  const ratio = Number(value);
  if (ruleSet.maxQuarantineRatio !== undefined && ruleSet.maxQuarantineRatio !== ratio) {
    check.problems.push(
      problemAt(check.yaml, [...path, 'max_quarantine_ratio'], {
        de: `max_quarantine_ratio für Tabelle ${ruleSet.table} ist schon in ${ruleSet.files.join(', ')} mit ${ruleSet.maxQuarantineRatio} gesetzt. Nur einen Wert angeben.`,
        en: `max_quarantine_ratio for table ${ruleSet.table} is already set to ${ruleSet.maxQuarantineRatio} in ${ruleSet.files.join(', ')}. Give only one value.`,
      }),
    );
    return;
  }
  ruleSet.maxQuarantineRatio = ratio;
}

function unknownTableProblem(table: string, known: string[]): LocalizedText {
  return {
    de: `Tabelle ${table} wird nicht geladen. Bekannte Tabellen: ${known.join(', ') || '(keine)'}. Namen korrigieren oder Tabelle in aurora.yaml aufnehmen.`,
    en: `Table ${table} is not loaded. Known tables: ${known.join(', ') || '(none)'}. Correct the name or add the table to aurora.yaml.`,
  };
}

/** Turns one schema-valid rule into the rule model; returns undefined after recording problems. */
async function buildRule(check: FileCheck, raw: RawRule, table: string, columns: readonly string[]): Promise<Rule | undefined> {
  const problemCount = check.problems.length;
  const fields = raw.fields;
  const report = (key: Path, problem: LocalizedText): void => {
    check.problems.push(problemAt(check.yaml, [...raw.path, ...key], problem));
  };
  const requireColumn = (name: string, key: Path): string => {
    if (!columns.includes(name)) {
      report(key, unknownColumnProblem(name, table, columns));
    }
    return name;
  };

  const origin: RuleOrigin = { file: check.yaml.file, line: lineOf(check.yaml, raw.path) ?? 1, key: keyPathOf(raw.path) };
  const message = fields.message as LocalizedText;
  const base = {
    id: String(fields.id),
    severity: (fields.severity ?? 'error') as Severity,
    message: { de: message.de, en: message.en },
    origin,
    ...(fields.where !== undefined ? { where: String(fields.where) } : {}),
  };

  if (base.where !== undefined) {
    const result = await checkCondition(await check.connection(), base.where, columns, table);
    if (!result.ok) {
      report(['where'], result.reason);
    }
  }

  const rule = await buildTypedRule(check, raw, { table, columns }, base, requireColumn, report);
  return check.problems.length > problemCount ? undefined : rule;
}

type RuleBaseFields = Pick<Rule, 'id' | 'severity' | 'message' | 'origin' | 'where'>;
type Reporter = (key: Path, problem: LocalizedText) => void;

async function buildTypedRule(
  check: FileCheck,
  raw: RawRule,
  scope: { table: string; columns: readonly string[] },
  base: RuleBaseFields,
  requireColumn: (name: string, key: Path) => string,
  report: Reporter,
): Promise<Rule | undefined> {
  const fields = raw.fields;
  const text = (key: Path): string => scalarSourceText(check.yaml, [...raw.path, ...key]) ?? String(fields[String(key[0])]);
  const optionalCount = (key: string): number | undefined => (fields[key] === undefined ? undefined : Number(fields[key]));

  switch (fields.type) {
    case 'not_null':
      return { ...base, type: 'not_null', column: requireColumn(String(fields.column), ['column']) };

    case 'unique': {
      const columns = keyColumns(fields, [], report, requireColumn);
      return columns && { ...base, type: 'unique', columns };
    }

    case 'accepted_values': {
      const values = (fields.values as unknown[]).map((_, index) => text(['values', index]));
      return { ...base, type: 'accepted_values', column: requireColumn(String(fields.column), ['column']), values };
    }

    case 'range': {
      const min = fields.min === undefined ? undefined : text(['min']);
      const max = fields.max === undefined ? undefined : text(['max']);
      if (!checkBounds(min, max, report)) {
        return undefined;
      }
      return {
        ...base,
        type: 'range',
        column: requireColumn(String(fields.column), ['column']),
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
        minInclusive: fields.min_inclusive !== false,
        maxInclusive: fields.max_inclusive !== false,
      };
    }

    case 'pattern': {
      const regex = String(fields.regex);
      const error = await checkRegex(await check.connection(), regex);
      if (error) {
        report(['regex'], {
          de: `Regulärer Ausdruck ist ungültig: ${error}. RE2-Syntax verwenden (wie DuckDB regexp_full_match).`,
          en: `Regular expression is invalid: ${error}. Use RE2 syntax (as DuckDB regexp_full_match does).`,
        });
      }
      return { ...base, type: 'pattern', column: requireColumn(String(fields.column), ['column']), regex };
    }

    case 'length': {
      const min = optionalCount('min');
      const max = optionalCount('max');
      if (!checkBounds(min === undefined ? undefined : String(min), max === undefined ? undefined : String(max), report)) {
        return undefined;
      }
      return {
        ...base,
        type: 'length',
        column: requireColumn(String(fields.column), ['column']),
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
      };
    }

    case 'convertible':
      return buildConvertible(check, fields, base, requireColumn, report);

    case 'relationship': {
      const columns = keyColumns(fields, [], report, requireColumn);
      const references = buildReferences(check, fields, columns, report);
      return columns && references && { ...base, type: 'relationship', columns, references };
    }

    case 'expression': {
      const expression = String(fields.expression);
      const result = await checkCondition(await check.connection(), expression, scope.columns, scope.table);
      if (!result.ok) {
        report(['expression'], result.reason);
      }
      return { ...base, type: 'expression', expression };
    }

    case 'row_count': {
      const min = optionalCount('min');
      const max = optionalCount('max');
      if (!checkBounds(min === undefined ? undefined : String(min), max === undefined ? undefined : String(max), report)) {
        return undefined;
      }
      return { ...base, type: 'row_count', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    }

    case 'freshness': {
      const maxAgeSeconds = parseDuration(String(fields.max_age));
      if (maxAgeSeconds === undefined) {
        report(['max_age'], {
          de: `Dauer ${String(fields.max_age)} ist unbekannt. Zahl mit Einheit s, m, h, d oder w schreiben (36h, 7d, 90m) oder ISO 8601 (P1D, PT12H); Monate und Jahre sind nicht erlaubt, weil ihre Länge schwankt.`,
          en: `Duration ${String(fields.max_age)} is unknown. Write a number with unit s, m, h, d or w (36h, 7d, 90m) or ISO 8601 (P1D, PT12H); months and years are not allowed because their length varies.`,
        });
        return undefined;
      }
      return { ...base, type: 'freshness', column: requireColumn(String(fields.column), ['column']), maxAgeSeconds };
    }

    default:
      return undefined;
  }
}

/** Reads `column` or `columns` (exactly one of them) under `prefix`. */
function keyColumns(
  fields: Record<string, unknown>,
  prefix: Path,
  report: Reporter,
  requireColumn: ((name: string, key: Path) => string) | undefined,
): string[] | undefined {
  const hasColumn = fields.column !== undefined;
  const hasColumns = fields.columns !== undefined;
  if (hasColumn === hasColumns) {
    report(prefix, {
      de: 'Genau eines von column (eine Spalte) oder columns (Liste) angeben.',
      en: 'Give exactly one of column (one column) or columns (a list).',
    });
    return undefined;
  }
  if (hasColumn) {
    const name = String(fields.column);
    requireColumn?.(name, [...prefix, 'column']);
    return [name];
  }
  const names = (fields.columns as unknown[]).map(String);
  names.forEach((name, index) => requireColumn?.(name, [...prefix, 'columns', index]));
  return names;
}

function buildReferences(
  check: FileCheck,
  fields: Record<string, unknown>,
  columns: string[] | undefined,
  report: Reporter,
): { table: string; columns: string[] } | undefined {
  const references = fields.references as Record<string, unknown>;
  const table = String(references.table);
  const targetColumns = check.tables.get(table);
  if (!targetColumns) {
    report(['references', 'table'], unknownTableProblem(table, [...check.tables.keys()]));
  }
  const requireTargetColumn = (name: string, key: Path): string => {
    if (targetColumns && !targetColumns.includes(name)) {
      report(key, unknownColumnProblem(name, table, targetColumns));
    }
    return name;
  };
  const keys = keyColumns(references, ['references'], report, requireTargetColumn);
  if (keys && columns && keys.length !== columns.length) {
    report(['references'], {
      de: `Die Regel nennt ${columns.length} Spalte(n), die Referenz ${keys.length}. Beide Listen gleich lang machen.`,
      en: `The rule names ${columns.length} column(s) but the reference ${keys.length}. Make both lists the same length.`,
    });
    return undefined;
  }
  return keys && targetColumns ? { table, columns: keys } : undefined;
}

async function buildConvertible(
  check: FileCheck,
  fields: Record<string, unknown>,
  base: RuleBaseFields,
  requireColumn: (name: string, key: Path) => string,
  report: Reporter,
): Promise<Rule> {
  const to = fields.to as 'number' | 'date' | 'timestamp';
  const formats = (fields.formats as unknown[]).map(String);
  for (const [index, format] of formats.entries()) {
    if (to === 'number') {
      if (!['plain', 'de', 'en'].includes(format)) {
        report(['formats', index], {
          de: `Zahlenformat ${format} ist unbekannt. Erlaubt: plain (1234.56), de (1.234,56), en (1,234.56).`,
          en: `Number format ${format} is unknown. Allowed: plain (1234.56), de (1.234,56), en (1,234.56).`,
        });
      }
      continue;
    }
    const error = format.includes('%') ? await checkStrptimeFormat(await check.connection(), format) : 'no % specifier';
    if (error) {
      report(['formats', index], {
        de: `Datumsformat ${format} ist ungültig (${error}). strptime-Format wie %d.%m.%Y oder %Y-%m-%d %H:%M:%S schreiben.`,
        en: `Date format ${format} is invalid (${error}). Write a strptime format such as %d.%m.%Y or %Y-%m-%d %H:%M:%S.`,
      });
    }
  }
  return { ...base, type: 'convertible', column: requireColumn(String(fields.column), ['column']), to, formats };
}

/**
 * Checks that at least one bound is given and that min is not above max. Bounds compare as
 * numbers when both are numbers and as text otherwise, which orders ISO dates correctly.
 */
function checkBounds(min: string | undefined, max: string | undefined, report: Reporter): boolean {
  if (min === undefined && max === undefined) {
    report([], { de: 'Mindestens eine Grenze angeben: min oder max.', en: 'Give at least one bound: min or max.' });
    return false;
  }
  if (min === undefined || max === undefined) {
    return true;
  }
  const numeric = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
  const inverted = numeric.test(min) && numeric.test(max) ? Number(min) > Number(max) : min > max;
  if (inverted) {
    report(['min'], {
      de: `min (${min}) ist größer als max (${max}). Grenzen tauschen.`,
      en: `min (${min}) is greater than max (${max}). Swap the bounds.`,
    });
    return false;
  }
  return true;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Parses `36h`, `7d`, `90m`, `45s`, `2w` or an ISO 8601 duration with weeks, days, hours,
 * minutes and seconds (`P1D`, `PT36H`, `P1DT12H`) into seconds. Returns undefined for anything
 * else, including years and months, whose length in seconds varies, and for zero.
 */
export function parseDuration(text: string): number | undefined {
  const short = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (short) {
    const seconds = Number(short[1]) * (UNIT_SECONDS[short[2] as string] as number);
    return seconds > 0 ? seconds : undefined;
  }

  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim().toUpperCase());
  if (!iso || text.trim().toUpperCase().endsWith('T')) {
    return undefined;
  }
  const [weeks, days, hours, minutes, seconds] = iso.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number];
  const total = weeks * 604_800 + days * 86_400 + hours * 3600 + minutes * 60 + seconds;
  return total > 0 ? total : undefined;
}
