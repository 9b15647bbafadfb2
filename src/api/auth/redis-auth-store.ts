import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

import { AuthStoreUnavailableError, type AuthStore } from './auth-store.js';

/** The sorted set of active principals expires after this long without any activity. */
const ACTIVE_SET_TTL_MS = 15 * 60_000;

/**
 * Storage in Redis, shared by every server process that uses the same Redis and key prefix. All
 * keys start with `keyPrefix`, and each value key has a TTL, so Redis drops abandoned sessions.
 */
export class RedisAuthStore implements AuthStore {
  private readonly client: Redis;
  private available = true;

  constructor(
    url: string,
    private readonly keyPrefix: string,
    private readonly log: FastifyBaseLogger,
  ) {
    // Fail fast: a sign-in check waits at most about two seconds for an unreachable Redis.
    this.client = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, enableOfflineQueue: true, lazyConnect: false });

    // ioredis reconnects on its own; log only the changes between available and unavailable.
    this.client.on('error', (error: Error) => {
      if (this.available) {
        this.available = false;
        this.log.error({ err: error }, 'Redis for sessions is unavailable; sign-in and session checks fail with 503');
      }
    });
    this.client.on('ready', () => {
      if (!this.available) {
        this.log.info('Redis for sessions is available again');
      }
      this.available = true;
    });
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.run(() => this.client.set(this.keyPrefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.run(() => this.client.get(this.keyPrefix + key))) ?? undefined;
  }

  async take(key: string): Promise<string | undefined> {
    // GETDEL needs Redis 6.2 or newer.
    return (await this.run(() => this.client.getdel(this.keyPrefix + key))) ?? undefined;
  }

  async delete(key: string): Promise<void> {
    await this.run(() => this.client.del(this.keyPrefix + key));
  }

  async markActive(member: string, atMs: number): Promise<void> {
    const key = `${this.keyPrefix}active-users`;
    await this.run(() => this.client.multi().zadd(key, atMs, member).pexpire(key, ACTIVE_SET_TTL_MS).exec());
  }

  async countActive(sinceMs: number): Promise<number> {
    const key = `${this.keyPrefix}active-users`;
    const results = await this.run(() => this.client.multi().zremrangebyscore(key, '-inf', `(${sinceMs}`).zcard(key).exec());
    const count = results?.[1]?.[1];
    return typeof count === 'number' ? count : 0;
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new AuthStoreUnavailableError(`Redis command for sessions failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}
