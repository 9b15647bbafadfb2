import { Redis } from 'ioredis';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

import { hashPassword, parsePasswordHash, type PasswordHash } from '../../src/api/auth/password-hash.js';
import type { Role } from '../../src/api/auth/route-roles.js';
import type { LocalUser } from '../../src/api/auth/users-file.js';

/** The body of every API error response. */
export interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

/** Returns the URL of the test Redis (`AURORA_TEST_REDIS_URL`, default the local service). */
export function redisTestUrl(): string {
  return process.env.AURORA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** Returns undefined when Redis replies to PING, else a skip reason. With `CI=true` a missing Redis throws. */
export async function redisSkipReason(): Promise<string | undefined> {
  const client = new Redis(redisTestUrl(), { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    const reason = `Redis at ${redisTestUrl()} is not reachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === 'true') {
      throw new Error(`${reason}. CI must provide Redis.`, { cause: error });
    }
    console.log(`# skipping Redis tests: ${reason}`);
    return reason;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix`; tests call it so that runs leave nothing behind in Redis. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = new Redis(redisTestUrl());
  try {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) {
      await client.del(...keys);
    }
  } finally {
    await client.quit();
  }
}

export async function localUser(name: string, role: Role, password: string): Promise<LocalUser> {
  return { name, role, passwordHash: parsePasswordHash(await hashPassword(password)) as PasswordHash };
}

export function login(server: FastifyInstance, username: string, password: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return server.inject({ method: 'POST', url: '/auth/login', payload: { username, password }, headers });
}

/** Returns the aurora_session cookie a response sets, or undefined. */
export function sessionCookieOf(response: LightMyRequestResponse): { value: string; httpOnly?: boolean; sameSite?: string; path?: string; secure?: boolean; maxAge?: number } | undefined {
  return (response.cookies as { name: string; value: string }[]).find((cookie) => cookie.name === 'aurora_session');
}

export function withSession(sessionId: string): Record<string, string> {
  return { cookie: `aurora_session=${sessionId}` };
}
