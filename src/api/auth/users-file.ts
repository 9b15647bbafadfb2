import { readFileSync } from 'node:fs';

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';

import { parsePasswordHash, type PasswordHash } from './password-hash.js';
import { isRole, ROLES, type Role } from './route-roles.js';

/** One entry of the users file, with its password hash decoded. */
export interface LocalUser {
  name: string;
  role: Role;
  passwordHash: PasswordHash;
}

/** Letters, digits and `.`, `_`, `@`, `-`, so that an e-mail address works as a user name. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

const ENTRY_KEYS = ['name', 'role', 'password_hash'] as const;

/** A users file that cannot be read or is invalid: the file, the line (0 when unknown), the key and the reason. */
export class UsersFileError extends Error {
  override readonly name = 'UsersFileError';

  constructor(
    readonly file: string,
    readonly line: number,
    readonly key: string,
    readonly reason: { de: string; en: string },
  ) {
    super(`Invalid users file ${describeLocation(file, line, key, 'en')}: ${reason.en}`);
  }

  render(language: 'de' | 'en'): string {
    return language === 'de' ? `Ungültige Benutzerdatei ${describeLocation(this.file, this.line, this.key, 'de')}: ${this.reason.de}` : this.message;
  }
}

function describeLocation(file: string, line: number, key: string, language: 'de' | 'en'): string {
  const parts = [file];
  if (line > 0) {
    parts.push(language === 'de' ? `Zeile ${line}` : `line ${line}`);
  }
  if (key !== '') {
    parts.push(key);
  }
  return parts.join(', ');
}

/** Reads and validates the users file (JSON or YAML) named by AURORA_USERS_FILE. */
export function loadUsersFile(file: string): LocalUser[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const detail = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsersFileError(file, 0, '', { de: `Die Datei ist nicht lesbar (${detail}).`, en: `the file cannot be read (${detail}).` });
  }
  return parseUsersFile(file, text);
}

/**
 * Parses `users: [{ name, role, password_hash }, …]`. YAML is a superset of JSON, so one parser
 * reads both formats. Names must be unique and the list must not be empty. Every error names
 * the line and the key, because operators edit this file by hand.
 */
export function parseUsersFile(file: string, text: string): LocalUser[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined): number => (node?.range ? lineCounter.linePos(node.range[0]).line : 0);

  const [syntaxError] = document.errors;
  if (syntaxError !== undefined) {
    const line = syntaxError.linePos?.[0]?.line ?? 0;
    const detail = syntaxError.message.split('\n')[0] ?? '';
    throw new UsersFileError(file, line, '', { de: `Kein gültiges JSON oder YAML: ${detail}`, en: `not valid JSON or YAML: ${detail}` });
  }

  const root = document.contents;
  const list = isMap(root) ? root.get('users', true) : undefined;
  if (!isSeq(list) || list.items.length === 0) {
    throw new UsersFileError(file, lineOf(isMap(root) ? root : null), 'users', {
      de: 'Erwartet wird ein Objekt mit einer nicht leeren Liste users aus Einträgen { name, role, password_hash }.',
      en: 'expected an object with a non-empty list users of entries { name, role, password_hash }.',
    });
  }
  if (isMap(root)) {
    const extraKey = root.items.map((pair) => keyName(pair)).find((key) => key !== 'users');
    if (extraKey !== undefined) {
      const pair = root.items.find((candidate) => keyName(candidate) === extraKey);
      throw new UsersFileError(file, lineOf(pair?.key as Node), extraKey, { de: 'Unbekannter Schlüssel. Erlaubt ist nur users.', en: 'unknown key. Only users is allowed.' });
    }
  }

  const users = list.items.map((item, index) => parseEntry(file, item as Node, index, lineOf));
  const seen = new Map<string, number>();
  users.forEach((user, index) => {
    const earlier = seen.get(user.name);
    if (earlier !== undefined) {
      const node = (list.items[index] as YAMLMap).get('name', true) as Node;
      throw new UsersFileError(file, lineOf(node), `users[${index}].name`, {
        de: `Der Name ${user.name} steht schon in users[${earlier}]. Jeder Name darf nur einmal vorkommen.`,
        en: `the name ${user.name} is already used by users[${earlier}]. Each name must be unique.`,
      });
    }
    seen.set(user.name, index);
  });
  return users;
}

function keyName(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function parseEntry(file: string, item: Node, index: number, lineOf: (node: Node | null | undefined) => number): LocalUser {
  const position = `users[${index}]`;
  if (!isMap(item)) {
    throw new UsersFileError(file, lineOf(item), position, { de: 'Der Eintrag ist kein Objekt { name, role, password_hash }.', en: 'the entry is not an object { name, role, password_hash }.' });
  }

  for (const pair of item.items) {
    const key = keyName(pair);
    if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
      throw new UsersFileError(file, lineOf(pair.key as Node), `${position}.${key}`, {
        de: `Unbekanntes Feld. Erlaubt sind ${ENTRY_KEYS.join(', ')}.`,
        en: `unknown field. Allowed are ${ENTRY_KEYS.join(', ')}.`,
      });
    }
  }

  const valueOf = (key: (typeof ENTRY_KEYS)[number]) => {
    const node = item.get(key, true) as Node | undefined;
    return { node, value: isScalar(node) ? node.value : undefined, line: lineOf(node) || lineOf(item) };
  };

  const name = valueOf('name');
  if (typeof name.value !== 'string' || !USER_NAME_PATTERN.test(name.value)) {
    throw new UsersFileError(file, name.line, `${position}.name`, {
      de: 'fehlt oder ist ungültig: erwartet werden 1 bis 64 Zeichen aus Buchstaben, Ziffern, ., _, @ und -, beginnend mit einem Buchstaben oder einer Ziffer.',
      en: 'missing or invalid: expected 1 to 64 characters of letters, digits, ., _, @ and -, starting with a letter or digit.',
    });
  }

  const role = valueOf('role');
  if (!isRole(role.value)) {
    throw new UsersFileError(file, role.line, `${position}.role`, {
      de: `fehlt oder ist ungültig: erlaubt sind ${ROLES.join(', ')}.`,
      en: `missing or invalid: allowed are ${ROLES.join(', ')}.`,
    });
  }

  const hashField = valueOf('password_hash');
  const passwordHash = typeof hashField.value === 'string' ? parsePasswordHash(hashField.value) : undefined;
  if (passwordHash === undefined || !('key' in passwordHash)) {
    const reason = passwordHash ?? { de: 'fehlt; aurora user add schreibt ihn', en: 'missing; aurora user add writes it' };
    throw new UsersFileError(file, hashField.line, `${position}.password_hash`, { de: `${reason.de}.`, en: `${reason.en}.` });
  }

  return { name: name.value, role: role.value, passwordHash };
}
