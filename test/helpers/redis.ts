import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

/** URL of the test Redis (`AURORA_TEST_REDIS_URL`). */
export const REDIS_TEST_URL = process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Returns undefined when Redis replies to PING, else a skip reason for `it(..., { skip })`.
 * With `CI=true` an unreachable Redis throws, because CI machines provide it.
 */
export async function redisSkipReason(url: string = REDIS_TEST_URL): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    const reason = `Redis at ${url} is not reachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === 'true') {
      throw new Error(`${reason}. CI must provide Redis.`, { cause: error });
    }
    console.log(`# skipping Redis tests: ${reason}`);
    return reason;
  } finally {
    client.disconnect();
  }
}

/** Returns a fresh key prefix, so a test shares Redis with earlier runs and other tests without collisions. */
export function uniqueRedisPrefix(purpose: string): string {
  return `aurora-test-${purpose}-${randomBytes(4).toString('hex')}:`;
}

/** Returns the keys under `prefix`. */
export async function redisKeys(prefix: string, url: string = REDIS_TEST_URL): Promise<string[]> {
  const client = new Redis(url);
  try {
    return await client.keys(`${prefix}*`);
  } finally {
    await client.quit();
  }
}

/** Deletes every key under `prefix`. */
export async function deleteRedisKeys(prefix: string, url: string = REDIS_TEST_URL): Promise<void> {
  const client = new Redis(url);
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) {
      await client.del(...keys);
    }
  } finally {
    await client.quit();
  }
}
