/**
 * Storage of sessions, pending OpenID Connect logins and the active-user set. Callers hash the
 * keys, so neither implementation receives a session id or an OIDC state.
 */
export interface AuthStore {
  /** Stores `value` under `key`; it disappears after `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /** Reads and deletes in one step, so two requests cannot both take the same value. */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /** Records that `member` was active at `atMs` (Unix milliseconds). */
  markActive(member: string, atMs: number): Promise<void>;
  /** Counts the members active at or after `sinceMs` and deletes older ones. */
  countActive(sinceMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Raised while the shared store (Redis) fails to run commands; the request fails with 503. */
export class AuthStoreUnavailableError extends Error {
  override readonly name = 'AuthStoreUnavailableError';
}

/**
 * Storage in this process, for a single server and for tests. Expired entries are removed when
 * read and by a sweep every minute, so abandoned sessions do not grow the map without bound.
 */
export class MemoryAuthStore implements AuthStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly active = new Map<string, number>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweepTimer = setInterval(() => this.sweep(), 60_000);
    this.sweepTimer.unref();
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async take(key: string): Promise<string | undefined> {
    const value = await this.get(key);
    this.entries.delete(key);
    return value;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async markActive(member: string, atMs: number): Promise<void> {
    this.active.set(member, Math.max(atMs, this.active.get(member) ?? 0));
  }

  async countActive(sinceMs: number): Promise<number> {
    for (const [member, lastSeen] of this.active) {
      if (lastSeen < sinceMs) {
        this.active.delete(member);
      }
    }
    return this.active.size;
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(key);
      }
    }
  }
}
