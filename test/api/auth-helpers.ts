import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

import { hashPassword, parsePasswordHash, type PasswordHash } from '../../src/api/auth/password-hash.js';
import type { Role } from '../../src/api/auth/route-roles.js';
import type { LocalUser } from '../../src/api/auth/users-file.js';
import { deleteRedisKeys, REDIS_TEST_URL, redisSkipReason } from '../helpers/redis.js';

/** The body of every API error response. */
export interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

/** Returns the URL of the test Redis (`AURORA_TEST_REDIS_URL`, default the local service). */
export function redisTestUrl(): string {
  return REDIS_TEST_URL;
}

export { deleteRedisKeys, redisSkipReason };

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
