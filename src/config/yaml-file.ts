import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

import type { FileProblem } from '../errors/catalog.js';

/** A parsed YAML file that can still say on which line each value was written. */
export interface YamlFile {
  file: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

/** The result of reading a YAML file: the file, or every problem found in it. */
export type YamlReadResult = { ok: true; yaml: YamlFile } | { ok: false; problems: FileProblem[] };

/**
 * Reads and parses a YAML file. Syntax errors come back as problems with line and column,
 * never as a thrown parser error, so callers can report them with the rest.
 */
export function readYamlFile(file: string, text: string = readFileSync(file, 'utf8')): YamlReadResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, intAsBigInt: true, uniqueKeys: true });

  if (document.errors.length > 0) {
    const problems = document.errors.map((error): FileProblem => {
      const position = lineCounter.linePos(error.pos[0]);
      return {
        file,
        line: position.line,
        column: position.col,
        problem: {
          de: `YAML-Syntaxfehler: ${error.message.split('\n')[0]}. Einrückung, Doppelpunkte und Anführungszeichen prüfen.`,
          en: `YAML syntax error: ${error.message.split('\n')[0]}. Check indentation, colons and quotes.`,
        },
      };
    });
    return { ok: false, problems };
  }

  return { ok: true, yaml: { file, document, lineCounter } };
}

/** Renders a JSON pointer (`/tables/2/primary_key`) as a YAML key path (`tables[2].primary_key`). */
export function keyPathOf(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number' || /^\d+$/.test(String(segment))) {
      return `${text}[${segment}]`;
    }
    return text === '' ? String(segment) : `${text}.${segment}`;
  }, '');
}

/** Returns the 1-based line of the value at `path`, or of its nearest existing parent. */
export function lineOf(yaml: YamlFile, path: readonly (string | number)[]): number | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = yaml.document.getIn(path.slice(0, length), true) as Node | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) {
      return yaml.lineCounter.linePos(offset).line;
    }
  }
  return undefined;
}

/** Builds a problem located at the value under `path`. */
export function problemAt(yaml: YamlFile, path: readonly (string | number)[], problem: FileProblem['problem']): FileProblem {
  return { file: yaml.file, line: lineOf(yaml, path), key: keyPathOf(path) || undefined, problem };
}

// strictRequired is off because if/then branches require keys that the parent schema defines.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validators = new Map<object, ValidateFunction>();

/**
 * Validates the document against a JSON Schema and returns one problem per violation, each
 * with line and key. YAML integers arrive as BigInt, so they are turned into numbers for the
 * schema check only; callers read exact values from the document.
 */
export function validateAgainstSchema(yaml: YamlFile, schema: object): FileProblem[] {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }

  const data = toJsonForSchema(yaml.document.toJS());
  if (validate(data)) {
    return [];
  }

  return (validate.errors ?? []).filter(isReportable).map((error) => {
    const path = pointerToPath(error.instancePath);
    return problemAt(yaml, error.keyword === 'additionalProperties' ? [...path, error.params.additionalProperty as string] : path, describeSchemaError(error));
  });
}

/** Drops the noise ajv adds for `oneOf`/`if` branches, keeping the errors a person can act on. */
function isReportable(error: ErrorObject): boolean {
  return error.keyword !== 'if' && error.keyword !== 'oneOf' && error.keyword !== 'anyOf';
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') {
    return [];
  }
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function describeSchemaError(error: ErrorObject): FileProblem['problem'] {
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case 'required':
      return {
        de: `Pflichtfeld "${String(params.missingProperty)}" fehlt. Feld ergänzen.`,
        en: `Required key "${String(params.missingProperty)}" is missing. Add it.`,
      };
    case 'additionalProperties':
      return {
        de: `Unbekanntes Feld "${String(params.additionalProperty)}". Schreibweise prüfen oder Feld entfernen.`,
        en: `Unknown key "${String(params.additionalProperty)}". Check the spelling or remove it.`,
      };
    case 'enum':
      return {
        de: `Ungültiger Wert. Erlaubt: ${(params.allowedValues as unknown[]).join(', ')}.`,
        en: `Invalid value. Allowed: ${(params.allowedValues as unknown[]).join(', ')}.`,
      };
    case 'type':
      return {
        de: `Falscher Typ, erwartet: ${String(params.type)}.`,
        en: `Wrong type, expected: ${String(params.type)}.`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        de: `Wert muss ${String(params.comparison)} ${String(params.limit)} sein.`,
        en: `Value must be ${String(params.comparison)} ${String(params.limit)}.`,
      };
    case 'minItems':
      return {
        de: `Liste braucht mindestens ${String(params.limit)} Einträge.`,
        en: `List needs at least ${String(params.limit)} item(s).`,
      };
    case 'pattern':
      return {
        de: `Wert passt nicht zum Muster ${String(params.pattern)}.`,
        en: `Value does not match pattern ${String(params.pattern)}.`,
      };
    case 'minLength':
      return { de: 'Wert darf nicht leer sein.', en: 'Value must not be empty.' };
    default:
      return { de: `Ungültig: ${error.message ?? error.keyword}.`, en: `Invalid: ${error.message ?? error.keyword}.` };
  }
}

function toJsonForSchema(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return Number(value);
  }
  if (Array.isArray(value)) {
    return value.map(toJsonForSchema);
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, toJsonForSchema(entry)]));
  }
  return value;
}

/** Returns the source text of a scalar exactly as written (`1.50` stays `1.50`), or undefined. */
export function scalarSourceText(yaml: YamlFile, path: readonly (string | number)[]): string | undefined {
  const node = yaml.document.getIn(path, true) as Node | undefined;
  if (!isScalar(node)) {
    return undefined;
  }
  return node.source ?? String(node.value);
}

export { isMap, isSeq };
