import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

/** The counter of one key in its current window. */
export interface WindowCount {
  count: number;
  /** Milliseconds until the window ends and the counter starts again from zero. */
  resetInMs: number;
}

/**
 * Fixed-window request counters. Every key of one store has the same window length; a key's
 * window starts with its first request.
 */
export interface RateLimitStore {
  /** Counts one request for each key and returns the counters in the order of `keys`. */
  increment(keys: readonly string[]): Promise<WindowCount[]>;
  close(): Promise<void>;
}

/** Raised by RedisRateLimitStore while Redis cannot take commands; the caller lets the request pass. */
export class RateLimitStoreUnavailableError extends Error {}

/**
 * Counters in this process, for a single server or tests. At most `maxKeys` windows are kept,
 * so clients that rotate addresses cannot grow the map without bound: when it is full, expired
 * windows are dropped (at most once per window length) and then the oldest window.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private lastSweepAt = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async increment(keys: readonly string[]): Promise<WindowCount[]> {
    const now = this.now();
    return keys.map((key) => {
      let window = this.windows.get(key);
      if (window === undefined || window.resetAt <= now) {
        if (window === undefined) {
          this.makeRoom(now);
        }
        window = { count: 0, resetAt: now + this.windowMs };
        this.windows.set(key, window);
      }
      window.count += 1;
      return { count: window.count, resetInMs: window.resetAt - now };
    });
  }

  /** Number of windows held, for tests of the bound. */
  get size(): number {
    return this.windows.size;
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxKeys) {
      return;
    }
    if (now - this.lastSweepAt >= this.windowMs) {
      this.lastSweepAt = now;
      for (const [key, window] of this.windows) {
        if (window.resetAt <= now) {
          this.windows.delete(key);
        }
      }
    }
    if (this.windows.size >= this.maxKeys) {
      // Map iteration follows insertion order, so the first key is the oldest window.
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) {
        this.windows.delete(oldest);
      }
    }
  }
}

/**
 * Increments every key, starts the window of a new key, and returns count and remaining
 * milliseconds per key. One script call, so all pods see one atomic counter per key and a
 * request costs a single round trip however many keys it has.
 */
const INCREMENT_SCRIPT = `
local result = {}
for index, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  result[#result + 1] = count
  result[#result + 1] = ttl
end
return result
`;

/** Commands that take longer fail, so a hung Redis delays a request by at most this much. */
const REDIS_COMMAND_TIMEOUT_MS = 1_000;
const REDIS_CONNECT_TIMEOUT_MS = 2_000;

/**
 * Counters in Redis under `keyPrefix`, shared by every server process that uses the same Redis
 * and prefix. Commands fail at once while the connection is down (no offline queue), so an
 * outage costs the requests no waiting; ioredis reconnects in the background.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly client: Redis;
  private available = true;

  private constructor(
    url: string,
    private readonly windowMs: number,
    private readonly keyPrefix: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    });
    this.client.defineCommand('auroraRateLimitIncrement', { lua: INCREMENT_SCRIPT });

    // ioredis emits an error per failed reconnect; log only the change to unavailable.
    this.client.on('error', (error: Error) => {
      if (this.available) {
        this.available = false;
        this.log.error({ err: error }, 'Redis for the rate limit is unavailable; requests pass without a limit');
      }
    });
    this.client.on('ready', () => {
      if (!this.available) {
        this.log.info('Redis for the rate limit is available again');
      }
      this.available = true;
    });
  }

  /**
   * Connects before the server takes requests, so the first requests are counted. An
   * unreachable Redis does not stop the start: ioredis keeps reconnecting and the limit
   * applies from the moment it succeeds.
   */
  static async connect(url: string, windowMs: number, keyPrefix: string, log: FastifyBaseLogger): Promise<RedisRateLimitStore> {
    const store = new RedisRateLimitStore(url, windowMs, keyPrefix, log);
    await store.client.connect().catch(() => undefined);
    return store;
  }

  async increment(keys: readonly string[]): Promise<WindowCount[]> {
    if (this.client.status !== 'ready') {
      throw new RateLimitStoreUnavailableError(`Redis connection is ${this.client.status}`);
    }

    const prefixed = keys.map((key) => this.keyPrefix + key);
    const command = this.client as unknown as { auroraRateLimitIncrement(count: number, ...args: (string | number)[]): Promise<number[]> };
    const flat = await command.auroraRateLimitIncrement(prefixed.length, ...prefixed, this.windowMs);
    return keys.map((_key, index) => ({ count: Number(flat[index * 2]), resetInMs: Math.max(0, Number(flat[index * 2 + 1])) }));
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
