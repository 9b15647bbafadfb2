import { randomBytes } from 'node:crypto';

import type { Role } from '../api/auth/route-roles.js';
import { hashToken, TOKEN_NAME_PATTERN, type ApiToken } from '../api/auth/tokens-file.js';
import { EXIT_CODES } from '../errors/catalog.js';
import type { Language } from '../i18n/language.js';

/** 32 random bytes, so a token cannot be guessed; base64url keeps it valid in a Bearer header. */
const TOKEN_BYTES = 32;

export interface TokenCreateOptions {
  name: string;
  role: Role;
  language: Language;
}

/** Creates a random token and the tokens-file entry that accepts it. */
export function createToken(name: string, role: Role): { token: string; entry: ApiToken } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, entry: { name, role, sha256: hashToken(token) } };
}

/**
 * `aurora token create`: prints a new token once, on stdout, with the entry for the tokens
 * file. Nothing is written to disk, so the token exists only in this output.
 */
export function tokenCreateCommand(options: TokenCreateOptions): number {
  if (!TOKEN_NAME_PATTERN.test(options.name)) {
    process.stderr.write(
      options.language === 'de'
        ? `Ungültiger Name ${options.name}: erwartet werden 1 bis 64 Zeichen aus Buchstaben, Ziffern, ., _ und -, beginnend mit einem Buchstaben oder einer Ziffer.\n`
        : `Invalid name ${options.name}: expected 1 to 64 characters of letters, digits, ., _ and -, starting with a letter or digit.\n`,
    );
    return EXIT_CODES.configuration;
  }

  const { token, entry } = createToken(options.name, options.role);
  const entryLine = `- ${JSON.stringify(entry)}`;
  const lines =
    options.language === 'de'
      ? [
          `Token für ${entry.name} (Rolle ${entry.role}). Er wird nur jetzt angezeigt, also sicher aufbewahren:`,
          token,
          '',
          'Diesen Eintrag in die Liste tokens der Datei von AURORA_API_TOKENS_FILE einfügen (in JSON ohne "- ") und den Server neu starten:',
          entryLine,
        ]
      : [
          `Token for ${entry.name} (role ${entry.role}). It is shown only now, so store it safely:`,
          token,
          '',
          'Add this entry to the list tokens in the file of AURORA_API_TOKENS_FILE (in JSON without "- ") and restart the server:',
          entryLine,
        ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
