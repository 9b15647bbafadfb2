import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';

import { AuroraError } from '../errors/aurora-error.js';
import type { FileProblem } from '../errors/catalog.js';
import { problemAt, readYamlFile, validateAgainstSchema, type YamlFile } from './yaml-file.js';
import { parseDuration } from '../quality/load-rules.js';
import { substituteEnvironment } from './environment.js';
import { resolveApiConfig, type RawApiConfig } from './api-config.js';
import type { AuroraConfig, SourceConfig, TableConfig } from './types.js';

import { ROWS_PER_SILVER_PART } from '../lake/part-files.js';

const SCHEMA_FILE = new URL('../../schemas/aurora.schema.json', import.meta.url);

let cachedSchema: object | undefined;

/** The JSON Schema of aurora.yaml, the same file editors use for completion. */
export function auroraConfigSchema(): object {
  cachedSchema ??= JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object;
  return cachedSchema;
}

/** Parallel partitions when the config does not say: the core count, capped so a laptop stays usable. */
export function defaultParallelism(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/** Snapshots are kept a month by default: long enough to roll back after a month-end close. */
const DEFAULT_RETENTION_DAYS = 30;

interface RawTable {
  name: string;
  source_table?: string;
  primary_key: string | string[];
  partition_column?: string;
  partitions?: number;
  path?: string;
  format?: 'csv' | 'parquet' | 'json';
  schema_changes?: 'fail' | 'evolve';
  watermark_column?: string;
  lookback?: string;
  deletes?: 'remove' | 'tombstone' | 'ignore';
  delete_check_every?: number;
  silver_part_rows?: number;
}

interface RawConfig {
  name?: string;
  source: { type: SourceConfig['type']; url?: string; schema?: string; path?: string; folder?: string };
  lake: string;
  rules: string;
  models?: string;
  parallelism?: number;
  partitions?: number;
  retention_days?: number;
  tables: RawTable[];
  api?: RawApiConfig;
}

/**
 * Reads, validates and resolves an aurora.yaml. All problems in the file are collected and
 * thrown together as CONFIG_INVALID, so a user fixes them in one pass rather than one per run.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): AuroraConfig {
  const absoluteFile = path.resolve(file);
  if (!existsSync(absoluteFile)) {
    throw new AuroraError('CONFIG_NOT_FOUND', { file: absoluteFile });
  }

  if (statSync(absoluteFile).isDirectory()) {
    throw new AuroraError('CONFIG_INVALID', {
      file: absoluteFile,
      problems: [
        {
          file: absoluteFile,
          problem: {
            de: 'Der Pfad ist ein Ordner. Die Datei aurora.yaml darin mit --config angeben.',
            en: 'The path is a folder. Pass the aurora.yaml file inside it with --config.',
          },
        },
      ],
    });
  }

  const read = readYamlFile(absoluteFile);
  if (!read.ok) {
    throw new AuroraError('CONFIG_INVALID', { file: absoluteFile, problems: read.problems });
  }

  const schemaProblems = documentProblems(read.yaml) ?? validateAgainstSchema(read.yaml, auroraConfigSchema());
  if (schemaProblems.length > 0) {
    throw new AuroraError('CONFIG_INVALID', { file: absoluteFile, problems: schemaProblems });
  }

  const raw = toPlain(read.yaml.document.toJS()) as RawConfig;
  const problems: FileProblem[] = [];
  const secrets: string[] = [];
  const substitute = (value: string, key: (string | number)[], isSecretContext: boolean): string => {
    const result = substituteEnvironment(value, env);
    for (const name of result.missing) {
      problems.push(
        problemAt(read.yaml, key, {
          de: `Umgebungsvariable ${name} ist nicht gesetzt. Variable setzen oder mit \${${name}:-Vorgabe} einen Vorgabewert angeben.`,
          en: `Environment variable ${name} is not set. Set it, or give a default with \${${name}:-default}.`,
        }),
      );
    }
    if (isSecretContext) {
      secrets.push(...result.substituted);
    }
    return result.value;
  };

  const folder = path.dirname(absoluteFile);
  const source = resolveSource(raw.source, folder, substitute);
  if ((source.type === 'postgres' || source.type === 'mysql') && !URL.canParse(source.url)) {
    // The URL itself is not shown: it may hold the password that broke it.
    problems.push(
      problemAt(read.yaml, ['source', 'url'], {
        de: 'Die Verbindungs-URL ist ungültig. Sonderzeichen in Benutzer und Passwort prozentkodieren (@ als %40, : als %3A, / als %2F, % als %25).',
        en: 'The connection URL is invalid. Percent-encode special characters in user and password (@ as %40, : as %3A, / as %2F, % as %25).',
      }),
    );
  }
  const lake = path.resolve(folder, substitute(raw.lake, ['lake'], false));
  const rules = path.resolve(folder, substitute(raw.rules, ['rules'], false));
  const models = raw.models === undefined ? undefined : path.resolve(folder, substitute(raw.models, ['models'], false));
  const parallelism = raw.parallelism ?? defaultParallelism();
  const defaultPartitions = raw.partitions ?? parallelism * 2;
  const tables = raw.tables.map((table, index) => resolveTable(table, index, defaultPartitions, read.yaml));

  problems.push(...duplicateTableProblems(tables, read.yaml));
  tables.forEach((table, index) => {
    if (Number.isNaN(table.lookbackSeconds)) {
      problems.push(
        problemAt(read.yaml, ['tables', index, 'lookback'], {
          de: 'Ungültige Dauer. Beispiele: 0, 90s, 15m, 2h, 1d, P1DT12H; höchstens 3650 Tage.',
          en: 'Invalid duration. Examples: 0, 90s, 15m, 2h, 1d, P1DT12H; at most 3650 days.',
        }),
      );
    }
  });
  if (source.type === 'files') {
    problems.push(...missingFilePathProblems(tables, read.yaml));
  }
  const { api, problems: apiProblems } = resolveApiConfig(raw.api, tables, read.yaml);
  problems.push(...apiProblems);
  if (problems.length > 0) {
    throw new AuroraError('CONFIG_INVALID', { file: absoluteFile, problems });
  }

  return Object.freeze({
    file: absoluteFile,
    name: raw.name ?? path.basename(folder),
    source,
    lake,
    rules,
    ...(models ? { models } : {}),
    parallelism,
    retentionDays: raw.retention_days ?? DEFAULT_RETENTION_DAYS,
    tables,
    api,
    secrets: [...new Set(secrets)],
  });
}

function resolveSource(
  raw: RawConfig['source'],
  folder: string,
  substitute: (value: string, key: (string | number)[], secret: boolean) => string,
): SourceConfig {
  switch (raw.type) {
    case 'postgres':
      return {
        type: 'postgres',
        url: substitute(raw.url ?? '', ['source', 'url'], true),
        ...(raw.schema ? { schema: substitute(raw.schema, ['source', 'schema'], false) } : {}),
      };
    case 'mysql':
      return { type: 'mysql', url: substitute(raw.url ?? '', ['source', 'url'], true) };
    case 'sqlite':
      return { type: 'sqlite', path: path.resolve(folder, substitute(raw.path ?? '', ['source', 'path'], false)) };
    case 'files':
      return { type: 'files', folder: path.resolve(folder, substitute(raw.folder ?? '', ['source', 'folder'], false)) };
  }
}

function resolveTable(raw: RawTable, index: number, defaultPartitions: number, yaml: YamlFile): TableConfig {
  const primaryKey = Array.isArray(raw.primary_key) ? raw.primary_key : [raw.primary_key];
  const line = problemAt(yaml, ['tables', index], { de: '', en: '' }).line;

  return {
    name: raw.name,
    sourceTable: raw.source_table ?? raw.name,
    primaryKey,
    ...(raw.partition_column ? { partitionColumn: raw.partition_column } : {}),
    partitions: raw.partitions ?? defaultPartitions,
    schemaChanges: raw.schema_changes ?? 'fail',
    ...(raw.watermark_column ? { watermarkColumn: raw.watermark_column } : {}),
    lookbackSeconds: raw.lookback === undefined ? 0 : parseLookback(raw.lookback),
    deletes: raw.deletes ?? 'remove',
    deleteCheckEvery: raw.delete_check_every ?? 1,
    silverPartRows: raw.silver_part_rows ?? ROWS_PER_SILVER_PART,
    ...(raw.path ? { path: raw.path } : {}),
    ...(raw.format ? { format: raw.format } : {}),
    ...(line !== undefined ? { line } : {}),
  };
}

/** Table names become folder and relation names, so two entries may not differ only by case. */
function duplicateTableProblems(tables: TableConfig[], yaml: YamlFile): FileProblem[] {
  const seen = new Map<string, number>();
  const problems: FileProblem[] = [];

  tables.forEach((table, index) => {
    const folded = table.name.toLowerCase();
    const first = seen.get(folded);
    if (first === undefined) {
      seen.set(folded, index);
      return;
    }
    problems.push(
      problemAt(yaml, ['tables', index, 'name'], {
        de: `Tabelle ${table.name} ist doppelt (schon in tables[${first}]); Namen dürfen sich nicht nur in Groß-/Kleinschreibung unterscheiden.`,
        en: `Table ${table.name} is listed twice (already in tables[${first}]); names may not differ only by case.`,
      }),
    );
  });

  return problems;
}

function missingFilePathProblems(tables: TableConfig[], yaml: YamlFile): FileProblem[] {
  return tables.flatMap((table, index) =>
    table.path
      ? []
      : [
          problemAt(yaml, ['tables', index], {
            de: `Tabelle ${table.name} braucht bei einer Datei-Quelle das Feld "path" (Datei im Quellordner).`,
            en: `Table ${table.name} needs "path" (the file in the source folder) for a files source.`,
          }),
        ],
  );
}

/** Look-backs beyond ten years are typos; DuckDB intervals would overflow far beyond them. */
const MAX_LOOKBACK_SECONDS = 3650 * 86_400;

/** Parses a look-back like `15m` or `P1D`; zero is allowed; NaN marks an invalid value. */
function parseLookback(text: string): number {
  if (/^\s*0+\s*[smhdw]?\s*$/i.test(text) || /^P(T)?0+[WDHMS]$/i.test(text.trim())) {
    return 0;
  }
  const seconds = parseDuration(text);
  return seconds !== undefined && seconds <= MAX_LOOKBACK_SECONDS ? seconds : Number.NaN;
}

/** YAML integers are parsed as BigInt for exactness; config fields are small, so plain numbers are safe. */
function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return Number(value);
  }
  if (Array.isArray(value)) {
    return value.map(toPlain);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, toPlain(entry)]));
  }
  return value;
}

/**
 * Checks that the document can be turned into plain data at all. The yaml library stops
 * documents whose aliases would expand without bound; that is reported like any other problem.
 */
function documentProblems(yaml: YamlFile): FileProblem[] | undefined {
  try {
    yaml.document.toJS();
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [
      {
        file: yaml.file,
        problem: {
          de: `Die YAML-Datei lässt sich nicht auswerten: ${reason}. Anker und Aliase (&, *) prüfen.`,
          en: `The YAML file cannot be evaluated: ${reason}. Check anchors and aliases (&, *).`,
        },
      },
    ];
  }
}
