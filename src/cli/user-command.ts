import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';

import { hashPassword } from '../api/auth/password-hash.js';
import { MAX_PASSWORD_LENGTH } from '../api/auth/local-sign-in.js';
import type { Role } from '../api/auth/route-roles.js';
import { parseUsersFile, USER_NAME_PATTERN, UsersFileError } from '../api/auth/users-file.js';
import { EXIT_CODES } from '../errors/catalog.js';
import type { Language } from '../i18n/language.js';

/** Shorter passwords are rejected; 12 characters is an assumption for a company-internal tool, not a standard's number. */
export const MIN_PASSWORD_LENGTH = 12;

export interface UserAddOptions {
  name: string;
  role: Role;
  /** The users file; default AURORA_USERS_FILE. */
  file?: string;
  /** Replace the entry of an existing user, for a new password or role. */
  replace: boolean;
  language: Language;
  env?: NodeJS.ProcessEnv;
  /** Source of the password; default process.stdin. */
  input?: NodeJS.ReadStream;
}

/** Texts of `aurora user add`, in German and English. */
const messages = {
  de: {
    invalidName: (name: string) => `Ungültiger Benutzername ${name}: erwartet werden 1 bis 64 Zeichen aus Buchstaben, Ziffern, ., _, @ und -, beginnend mit einem Buchstaben oder einer Ziffer.\n`,
    noFile: 'Keine Benutzerdatei angegeben: --file <Datei> angeben oder AURORA_USERS_FILE setzen.\n',
    prompt: 'Passwort: ',
    repeat: 'Passwort wiederholen: ',
    mismatch: 'Die beiden Eingaben stimmen nicht überein. Nichts wurde geändert.\n',
    noPassword: 'Kein Passwort auf der Standardeingabe. Das Passwort als erste Zeile übergeben, etwa mit printf, oder den Befehl im Terminal aufrufen.\n',
    tooShort: `Das Passwort ist zu kurz: mindestens ${MIN_PASSWORD_LENGTH} Zeichen.\n`,
    tooLong: `Das Passwort ist zu lang: höchstens ${MAX_PASSWORD_LENGTH} Zeichen.\n`,
    exists: (name: string, file: string) => `Den Benutzer ${name} gibt es in ${file} schon. Mit --replace ersetzen (neues Passwort oder neue Rolle).\n`,
    unwritable: (file: string, detail: string) => `Die Benutzerdatei ${file} ist nicht schreibbar (${detail}).\n`,
    added: (name: string, role: string, file: string) => `Benutzer ${name} (Rolle ${role}) in ${file} eingetragen. aurora serve neu starten, damit er gilt.\n`,
    replaced: (name: string, role: string, file: string) => `Benutzer ${name} (Rolle ${role}) in ${file} ersetzt. aurora serve neu starten, damit es gilt.\n`,
  },
  en: {
    invalidName: (name: string) => `Invalid user name ${name}: expected 1 to 64 characters of letters, digits, ., _, @ and -, starting with a letter or digit.\n`,
    noFile: 'No users file given: pass --file <file> or set AURORA_USERS_FILE.\n',
    prompt: 'Password: ',
    repeat: 'Repeat password: ',
    mismatch: 'The two entries differ. Nothing was changed.\n',
    noPassword: 'No password on standard input. Pass the password as the first line, for example with printf, or run the command in a terminal.\n',
    tooShort: `The password is too short: at least ${MIN_PASSWORD_LENGTH} characters.\n`,
    tooLong: `The password is too long: at most ${MAX_PASSWORD_LENGTH} characters.\n`,
    exists: (name: string, file: string) => `User ${name} already exists in ${file}. Pass --replace to replace it (new password or role).\n`,
    unwritable: (file: string, detail: string) => `The users file ${file} cannot be written (${detail}).\n`,
    added: (name: string, role: string, file: string) => `User ${name} (role ${role}) added to ${file}. Restart aurora serve for it to apply.\n`,
    replaced: (name: string, role: string, file: string) => `User ${name} (role ${role}) replaced in ${file}. Restart aurora serve for it to apply.\n`,
  },
} as const;

/**
 * `aurora user add`: reads a password from standard input, never from the command line where
 * other users of the machine could see it in the process list, and writes the user with its
 * scrypt hash into the users file. Returns the exit code.
 */
export async function userAddCommand(options: UserAddOptions): Promise<number> {
  const text = messages[options.language];
  const fail = (message: string) => {
    process.stderr.write(message);
    return EXIT_CODES.configuration;
  };

  if (!USER_NAME_PATTERN.test(options.name)) {
    return fail(text.invalidName(options.name));
  }
  const file = options.file ?? (options.env ?? process.env).AURORA_USERS_FILE;
  if (file === undefined || file === '') {
    return fail(text.noFile);
  }

  // Check the file before asking for the password, so a typo does not cost a password entry.
  let existing: string | undefined;
  try {
    existing = readExisting(file);
    if (existing !== undefined && existingUserNames(file, existing).includes(options.name) && !options.replace) {
      return fail(text.exists(options.name, file));
    }
  } catch (error) {
    if (error instanceof UsersFileError) {
      return fail(`${error.render(options.language)}\n`);
    }
    throw error;
  }

  const input = options.input ?? process.stdin;
  const password = input.isTTY ? await promptTwice(input, text) : await readFirstLine(input);
  if (password === undefined) {
    return fail(input.isTTY ? text.mismatch : text.noPassword);
  }
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return fail(text.tooShort);
  }
  if ([...password].length > MAX_PASSWORD_LENGTH) {
    return fail(text.tooLong);
  }

  const entry = { name: options.name, role: options.role, password_hash: await hashPassword(password) };
  const { updated, replaced } = addEntry(file, existing, entry);
  try {
    writeAtomically(file, updated);
  } catch (error) {
    return fail(text.unwritable(file, (error as NodeJS.ErrnoException).code ?? String(error)));
  }
  process.stdout.write((replaced ? text.replaced : text.added)(options.name, options.role, file));
  return 0;
}

function readExisting(file: string): string | undefined {
  if (!existsSync(file)) {
    return undefined;
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const detail = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsersFileError(file, 0, '', { de: `Die Datei ist nicht lesbar (${detail}).`, en: `the file cannot be read (${detail}).` });
  }
}

/**
 * Returns the names in a users file after validating it. An empty file or an empty list is
 * accepted here, because it is where the first `aurora user add` starts, although the server
 * rejects it.
 */
function existingUserNames(file: string, text: string): string[] {
  const document = parseDocument(text);
  const list: unknown = isMap(document.contents) ? document.contents.get('users', true) : undefined;
  const empty = text.trim() === '' || (document.errors.length === 0 && isSeq(list) && list.items.length === 0);
  return empty ? [] : parseUsersFile(file, text).map((user) => user.name);
}

/**
 * Returns the file text with the entry appended or replaced. A `.json` file stays JSON; YAML
 * keeps its comments, because the yaml package edits the parsed document in place.
 */
function addEntry(file: string, existing: string | undefined, entry: { name: string; role: Role; password_hash: string }): { updated: string; replaced: boolean } {
  if (file.endsWith('.json')) {
    const document = existing === undefined || existing.trim() === '' ? { users: [] } : (JSON.parse(existing) as { users: { name: string }[] });
    const index = document.users.findIndex((user) => user.name === entry.name);
    if (index >= 0) {
      document.users[index] = entry;
    } else {
      document.users.push(entry);
    }
    return { updated: `${JSON.stringify(document, null, 2)}\n`, replaced: index >= 0 };
  }

  const document = parseDocument(existing === undefined || existing.trim() === '' ? 'users: []\n' : existing);
  const found: unknown = isMap(document.contents) ? document.contents.get('users', true) : undefined;
  let seq: YAMLSeq;
  if (isSeq(found)) {
    seq = found;
  } else {
    seq = new YAMLSeq();
    document.set('users', seq);
  }
  const node = document.createNode(entry);
  const index = seq.items.findIndex((item) => isMap(item) && item.get('name') === entry.name);
  if (index >= 0) {
    seq.items[index] = node;
  } else {
    seq.items.push(node);
  }
  // An empty list parses as flow style `[]`; block style reads better once it has entries.
  seq.flow = false;
  return { updated: document.toString(), replaced: index >= 0 };
}

/** Writes a temporary file next to the target and renames it, so a crash never leaves half a file. */
function writeAtomically(file: string, text: string): void {
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(temporary, text, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, file);
}

/** Reads standard input to its end and returns the first line without its line ending, or undefined when it is empty. */
async function readFirstLine(input: NodeJS.ReadStream): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  const firstLine = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  return firstLine === '' ? undefined : firstLine;
}

/** Asks twice in the terminal without echo; returns undefined when the entries differ. */
async function promptTwice(input: NodeJS.ReadStream, text: (typeof messages)[Language]): Promise<string | undefined> {
  const first = await promptHidden(input, text.prompt);
  const second = await promptHidden(input, text.repeat);
  return first === second ? first : undefined;
}

function promptHidden(input: NodeJS.ReadStream, prompt: string): Promise<string> {
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  let typed = '';

  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      for (const character of chunk.toString('utf8')) {
        if (character === '\r' || character === '\n' || character === '\u0004') {
          finish();
          resolve(typed);
          return;
        }
        if (character === '\u0003') {
          // Ctrl+C: leave the terminal as it was and stop like an interrupted program.
          finish();
          process.exit(130);
        }
        typed = character === '\u007f' || character === '\b' ? [...typed].slice(0, -1).join('') : typed + character;
      }
    };
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    input.on('data', onData);
  });
}
