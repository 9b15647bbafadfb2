import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { parse as parseYaml } from 'yaml';

import { isRole, ROLES, type Role } from './route-roles.js';

/** One entry of the tokens file. The file stores only the hash, never the token. */
export interface ApiToken {
  name: string;
  role: Role;
  /** Hex SHA-256 of the token, lower case. */
  sha256: string;
}

export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
const ENTRY_KEYS = new Set(['name', 'role', 'sha256']);

/** A tokens file that cannot be read or is invalid, with the reason in German and English. */
export class TokensFileError extends Error {
  override readonly name = 'TokensFileError';

  constructor(
    readonly file: string,
    readonly reason: { de: string; en: string },
  ) {
    super(`Invalid tokens file ${file}: ${reason.en}`);
  }

  render(language: 'de' | 'en'): string {
    return language === 'de' ? `Ungültige Tokendatei ${this.file}: ${this.reason.de}` : this.message;
  }
}

/** Returns the hex SHA-256 of a token, as stored in the tokens file. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Reads and validates the tokens file (JSON or YAML) named by AURORA_API_TOKENS_FILE. */
export function loadTokensFile(file: string): ApiToken[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const detail = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TokensFileError(file, { de: `Die Datei ist nicht lesbar (${detail}).`, en: `the file cannot be read (${detail}).` });
  }
  return parseTokensFile(file, text);
}

/**
 * Parses `tokens: [{ name, role, sha256 }, …]`. YAML is a superset of JSON, so one parser
 * reads both formats. Names and hashes must be unique, and the list must not be empty.
 */
export function parseTokensFile(file: string, text: string): ApiToken[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new TokensFileError(file, { de: `Kein gültiges JSON oder YAML: ${detail}`, en: `not valid JSON or YAML: ${detail}` });
  }

  const entries = (document as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new TokensFileError(file, {
      de: 'Erwartet wird ein Objekt mit einer nicht leeren Liste tokens aus Einträgen { name, role, sha256 }.',
      en: 'expected an object with a non-empty list tokens of entries { name, role, sha256 }.',
    });
  }

  const tokens = entries.map((entry: unknown, index) => parseEntry(file, entry, index));
  rejectDuplicates(file, tokens, 'name');
  rejectDuplicates(file, tokens, 'sha256');
  return tokens;
}

function parseEntry(file: string, entry: unknown, index: number): ApiToken {
  const position = `tokens[${index}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new TokensFileError(file, { de: `${position} ist kein Objekt { name, role, sha256 }.`, en: `${position} is not an object { name, role, sha256 }.` });
  }

  const unknownKey = Object.keys(entry).find((key) => !ENTRY_KEYS.has(key));
  if (unknownKey !== undefined) {
    throw new TokensFileError(file, {
      de: `${position} hat das unbekannte Feld ${unknownKey}. Erlaubt sind name, role und sha256.`,
      en: `${position} has the unknown field ${unknownKey}. Allowed are name, role and sha256.`,
    });
  }

  const { name, role, sha256 } = entry as Record<string, unknown>;
  if (typeof name !== 'string' || !TOKEN_NAME_PATTERN.test(name)) {
    throw new TokensFileError(file, {
      de: `${position}.name fehlt oder ist ungültig: erwartet werden 1 bis 64 Zeichen aus Buchstaben, Ziffern, ., _ und -.`,
      en: `${position}.name is missing or invalid: expected 1 to 64 characters of letters, digits, ., _ and -.`,
    });
  }
  if (!isRole(role)) {
    throw new TokensFileError(file, {
      de: `${position}.role von ${name} ist ungültig: erlaubt sind ${ROLES.join(', ')}.`,
      en: `${position}.role of ${name} is invalid: allowed are ${ROLES.join(', ')}.`,
    });
  }
  if (typeof sha256 !== 'string' || !SHA256_HEX_PATTERN.test(sha256.toLowerCase())) {
    throw new TokensFileError(file, {
      de: `${position}.sha256 von ${name} ist ungültig: erwartet werden 64 Hexziffern, wie sie aurora token create ausgibt.`,
      en: `${position}.sha256 of ${name} is invalid: expected 64 hex digits, as printed by aurora token create.`,
    });
  }
  return { name, role, sha256: sha256.toLowerCase() };
}

function rejectDuplicates(file: string, tokens: readonly ApiToken[], field: 'name' | 'sha256'): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (seen.has(token[field])) {
      // The hash is not a secret, but the name is enough to find the duplicate.
      throw new TokensFileError(file, {
        de: `Der Eintrag ${token.name} wiederholt ein ${field} eines früheren Eintrags. Jedes ${field} darf nur einmal vorkommen.`,
        en: `Entry ${token.name} repeats the ${field} of an earlier entry. Each ${field} must be unique.`,
      });
    }
    seen.add(token[field]);
  }
}
