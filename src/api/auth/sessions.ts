import { createHash, randomBytes } from 'node:crypto';

import type { AuthStore } from './auth-store.js';
import type { Principal } from './principal.js';
import { isRole } from './route-roles.js';

/** Name of the browser session cookie. */
export const SESSION_COOKIE = 'aurora_session';

/** Lifetimes of a session, in milliseconds. */
export interface SessionLifetime {
  /** A session unused for this long ends. */
  idleTimeoutMs: number;
  /** A session ends this long after sign-in, however active it is. */
  absoluteLifetimeMs: number;
}

export const DEFAULT_SESSION_LIFETIME: SessionLifetime = { idleTimeoutMs: 30 * 60_000, absoluteLifetimeMs: 8 * 60 * 60_000 };

/** 32 random bytes, so session ids have 256 bits of entropy. */
const SESSION_ID_BYTES = 32;
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Record stored per session. The session id itself is never stored, only its hash in the key. */
interface SessionRecord {
  principal: Principal;
  createdAt: number;
  lastSeenAt: number;
}

/**
 * Browser sessions on top of an AuthStore. The store key is the SHA-256 of the session id, so
 * someone who can read Redis cannot take over a session from the keys.
 */
export class Sessions {
  /** lastSeenAt is written back at most this often, so most requests only read the store. */
  private readonly touchIntervalMs: number;

  constructor(
    private readonly store: AuthStore,
    readonly lifetime: SessionLifetime,
    private readonly now: () => number = Date.now,
  ) {
    this.touchIntervalMs = Math.min(60_000, Math.floor(lifetime.idleTimeoutMs / 4));
  }

  /** Starts a session for `principal` and returns its new random id for the cookie. */
  async create(principal: Principal): Promise<string> {
    const id = randomBytes(SESSION_ID_BYTES).toString('base64url');
    const now = this.now();
    const record: SessionRecord = { principal, createdAt: now, lastSeenAt: now };
    await this.store.set(sessionKey(id), JSON.stringify(record), this.remainingMs(record, now));
    return id;
  }

  /**
   * Returns the principal of a live session and extends its idle timeout, or undefined when the
   * id is malformed, unknown, idle for too long or past its absolute lifetime.
   */
  async resolve(id: string): Promise<Principal | undefined> {
    if (!SESSION_ID_PATTERN.test(id)) {
      return undefined;
    }
    const key = sessionKey(id);
    const record = parseRecord(await this.store.get(key));
    if (record === undefined) {
      return undefined;
    }

    const now = this.now();
    const remaining = this.remainingMs(record, now);
    if (remaining <= 0) {
      await this.store.delete(key);
      return undefined;
    }

    if (now - record.lastSeenAt >= this.touchIntervalMs) {
      const touched: SessionRecord = { ...record, lastSeenAt: now };
      await this.store.set(key, JSON.stringify(touched), this.remainingMs(touched, now));
    }
    return record.principal;
  }

  async end(id: string): Promise<void> {
    if (SESSION_ID_PATTERN.test(id)) {
      await this.store.delete(sessionKey(id));
    }
  }

  /** Milliseconds until the earlier of the idle timeout and the absolute lifetime. */
  private remainingMs(record: SessionRecord, now: number): number {
    const idleEnd = record.lastSeenAt + this.lifetime.idleTimeoutMs;
    const absoluteEnd = record.createdAt + this.lifetime.absoluteLifetimeMs;
    return Math.min(idleEnd, absoluteEnd) - now;
  }
}

function sessionKey(id: string): string {
  return `session:${createHash('sha256').update(id, 'utf8').digest('hex')}`;
}

/** Returns the record, or undefined for a missing value or one another program version wrote in another shape. */
function parseRecord(text: string | undefined): SessionRecord | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    const record = JSON.parse(text) as Partial<SessionRecord>;
    const principal = record.principal;
    const valid =
      typeof record.createdAt === 'number' &&
      typeof record.lastSeenAt === 'number' &&
      typeof principal?.id === 'string' &&
      typeof principal.name === 'string' &&
      isRole(principal.role) &&
      (principal.method === 'local' || principal.method === 'oidc');
    return valid ? (record as SessionRecord) : undefined;
  } catch {
    return undefined;
  }
}
