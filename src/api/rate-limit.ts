import { createHash } from 'node:crypto';

import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';

import { ApiError } from './api-error.js';
import { MemoryRateLimitStore, RateLimitStoreUnavailableError, RedisRateLimitStore, type RateLimitStore } from './rate-limit-store.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false exempts the route from the rate limit (probes and /metrics). */
    rateLimit?: false;
  }
}

/** Limits per window; every route except those with `config: { rateLimit: false }` counts. */
export interface RateLimitOptions {
  /** Requests per client IP address and window. Applies to every request, with or without credentials. */
  max: number;
  /**
   * Requests per credential (bearer token or `aurora_session` cookie) and window, counted in
   * addition to the address limit. Default: DEFAULT_RATE_LIMIT.userMax.
   */
  userMax?: number;
  timeWindowMs: number;
  /** A Redis URL shares the counters between server processes; without it they live in memory. */
  redisUrl?: string;
  /** Prefix of the Redis keys; default `aurora-rate-limit:`. */
  redisKeyPrefix?: string;
}

/**
 * Per address higher than per user, because one office behind NAT shares an address. A
 * dashboard view costs a handful of requests, so 300 per minute leave one person ample room.
 */
export const DEFAULT_RATE_LIMIT: Required<Pick<RateLimitOptions, 'max' | 'userMax' | 'timeWindowMs'>> = { max: 600, userMax: 300, timeWindowMs: 60_000 };

export const DEFAULT_REDIS_KEY_PREFIX = 'aurora-rate-limit:';

/** Name of the browser session cookie; its value identifies the user like a bearer token. */
const SESSION_COOKIE = 'aurora_session';

const BEARER_PATTERN = /^Bearer +(\S+) *$/i;

type LimitScope = 'address' | 'credential';

interface LimitSubject {
  scope: LimitScope;
  key: string;
  max: number;
}

/** Failed store calls are logged at most this often; the counter metric shows every one. */
const STORE_ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Adds the rate limit as a global onRequest hook. It runs before the authentication hooks of
 * the routes, so failed login and token attempts are counted too. A request over either limit
 * gets 429 RATE_LIMITED with Retry-After. When the Redis store fails, the request passes, because
 * the API only reads the lake and an outage of Redis should not take it down.
 */
export async function registerRateLimit(server: FastifyInstance, options: RateLimitOptions, registry: Registry): Promise<void> {
  const userMax = options.userMax ?? DEFAULT_RATE_LIMIT.userMax;
  const store: RateLimitStore = options.redisUrl
    ? await RedisRateLimitStore.connect(options.redisUrl, options.timeWindowMs, options.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX, server.log)
    : new MemoryRateLimitStore(options.timeWindowMs);
  server.addHook('onClose', async () => {
    await store.close();
  });

  const rejected = new Counter({
    name: 'aurora_rate_limited_total',
    help: 'Requests rejected with 429, by the limit they exceeded (address or credential).',
    labelNames: ['scope'],
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'aurora_rate_limit_store_errors_total',
    help: 'Requests that passed without a limit because the rate limit store (Redis) failed.',
    registers: [registry],
  });
  const reportStoreError = throttledStoreErrorLog(server.log);

  server.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.rateLimit === false) {
      return;
    }

    const subjects = limitSubjects(request, options.max, userMax);
    let counts;
    try {
      counts = await store.increment(subjects.map((subject) => subject.key));
    } catch (error) {
      storeErrors.inc();
      reportStoreError(error);
      return;
    }

    // The headers describe the subject closest to its limit.
    const remaining = subjects.map((subject, index) => subject.max - (counts[index]?.count ?? 0));
    const tightest = remaining.indexOf(Math.min(...remaining));
    const tightestSubject = subjects[tightest] as LimitSubject;
    const tightestReset = counts[tightest]?.resetInMs ?? options.timeWindowMs;
    reply.header('x-ratelimit-limit', tightestSubject.max);
    reply.header('x-ratelimit-remaining', Math.max(0, remaining[tightest] ?? 0));
    reply.header('x-ratelimit-reset', Math.ceil(tightestReset / 1000));

    // Over several limits, the client must wait for the window that ends last.
    let exceeded: { scope: LimitScope; resetInMs: number } | undefined;
    subjects.forEach((subject, index) => {
      const count = counts[index];
      if (count !== undefined && count.count > subject.max && (exceeded === undefined || count.resetInMs > exceeded.resetInMs)) {
        exceeded = { scope: subject.scope, resetInMs: count.resetInMs };
      }
    });
    if (exceeded === undefined) {
      return;
    }

    const retryAfterSeconds = Math.max(1, Math.ceil(exceeded.resetInMs / 1000));
    rejected.inc({ scope: exceeded.scope });
    reply.header('retry-after', retryAfterSeconds);
    throw new ApiError('RATE_LIMITED', { retryAfterSeconds, scope: exceeded.scope });
  });
}

/** Returns what a request counts against: always its address, and a presented credential as well, valid or not. */
function limitSubjects(request: FastifyRequest, max: number, userMax: number): LimitSubject[] {
  const subjects: LimitSubject[] = [{ scope: 'address', key: `ip:${request.ip}`, max }];
  const credential = credentialDigest(request);
  if (credential !== undefined) {
    subjects.push({ scope: 'credential', key: `user:${credential}`, max: userMax });
  }
  return subjects;
}

/**
 * SHA-256 (hex) of the bearer token, or else of the session cookie's value. Only the digest
 * is kept as a key, so Redis and memory never hold a usable credential.
 */
export function credentialDigest(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  const presented = (authorization !== undefined ? BEARER_PATTERN.exec(authorization)?.[1] : undefined) ?? sessionCookieValue(request.headers.cookie);
  if (presented === undefined || presented === '') {
    return undefined;
  }
  return createHash('sha256').update(presented, 'utf8').digest('hex');
}

/** Reads the session cookie from the raw header, because the cookie plugin may parse it later than this hook runs. */
function sessionCookieValue(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === SESSION_COOKIE) {
      return pair.slice(separator + 1).trim();
    }
  }
  return undefined;
}

function throttledStoreErrorLog(log: FastifyBaseLogger): (error: unknown) => void {
  let lastLoggedAt = -Infinity;
  return (error) => {
    // The store's connection listener already logs the outage itself.
    if (error instanceof RateLimitStoreUnavailableError) {
      return;
    }
    const now = Date.now();
    if (now - lastLoggedAt >= STORE_ERROR_LOG_INTERVAL_MS) {
      lastLoggedAt = now;
      log.warn({ err: error }, 'rate limit store failed; the request passes without a limit');
    }
  };
}
