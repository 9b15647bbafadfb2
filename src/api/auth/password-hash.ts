import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt cost parameters. N = 2^15, r = 8, p = 1 are the values RFC 7914 section 2 discusses
 * for interactive logins and need 32 MiB of memory per hash (128 * N * r bytes).
 */
export interface ScryptCost {
  /** log2 of N, the CPU and memory cost. */
  logN: number;
  /** Block size. */
  r: number;
  /** Parallelization. */
  p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { logN: 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Bounds a users file may use. Outside them a hash is rejected at start, because a huge N or p
 * would let one login occupy the server's memory or CPU for a long time.
 */
const COST_BOUNDS = { logN: { min: 14, max: 20 }, r: { min: 8, max: 32 }, p: { min: 1, max: 16 } };

/** `$scrypt$ln=15,r=8,p=1$<salt>$<key>` with salt and key in base64 without padding (PHC string format). */
const PHC_PATTERN = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

/** A stored password hash, decoded. */
export interface PasswordHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

/** Hashes a password with scrypt and a new random salt; returns the PHC string for the users file. */
export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(password, salt, cost);
  return formatPasswordHash({ cost, salt, key });
}

export function formatPasswordHash(hash: PasswordHash): string {
  const base64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${hash.cost.logN},r=${hash.cost.r},p=${hash.cost.p}$${base64(hash.salt)}$${base64(hash.key)}`;
}

/**
 * Decodes a PHC string. Returns the reason in German and English when it is not a scrypt hash
 * that `aurora user add` could have written.
 */
export function parsePasswordHash(text: string): PasswordHash | { de: string; en: string } {
  const match = PHC_PATTERN.exec(text);
  if (match === null) {
    return {
      de: 'erwartet wird ein scrypt-Hash der Form $scrypt$ln=15,r=8,p=1$<Salt>$<Hash>, wie ihn aurora user add schreibt',
      en: 'expected a scrypt hash of the form $scrypt$ln=15,r=8,p=1$<salt>$<hash>, as written by aurora user add',
    };
  }

  const cost: ScryptCost = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  for (const parameter of ['logN', 'r', 'p'] as const) {
    const { min, max } = COST_BOUNDS[parameter];
    if (cost[parameter] < min || cost[parameter] > max) {
      const name = parameter === 'logN' ? 'ln' : parameter;
      return { de: `${name}=${cost[parameter]} liegt außerhalb von ${min} bis ${max}`, en: `${name}=${cost[parameter]} is outside ${min} to ${max}` };
    }
  }
  return { cost, salt: Buffer.from(match[4] ?? '', 'base64'), key: Buffer.from(match[5] ?? '', 'base64') };
}

/** Returns true when `password` matches `hash`. The key comparison takes the same time for every mismatch position. */
export async function verifyPassword(password: string, hash: PasswordHash): Promise<boolean> {
  const key = await deriveKey(password, hash.salt, hash.cost);
  return key.length === hash.key.length && timingSafeEqual(key, hash.key);
}

/** Runs scrypt on the libuv thread pool, so a login does not block other requests. */
function deriveKey(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.logN;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 2 * 128 * N * cost.r + 1_048_576 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
