import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

import { ApiError } from './api-error.js';

/** Requests per IP address and window; applies to every route except /healthz, /readyz and /metrics. */
export interface RateLimitOptions {
  max: number;
  timeWindowMs: number;
  /** A Redis URL shares the counters between server processes; without it they live in memory. */
  redisUrl?: string;
  /** Prefix of the Redis keys; default `aurora-rate-limit:`. */
  redisKeyPrefix?: string;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 100, timeWindowMs: 60_000 };

/** HSTS for one year; browsers ignore it on plain http, so it is harmless behind a TLS proxy or without. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * Registers security headers, CORS and the rate limit. The API serves only JSON and text, so
 * the Content-Security-Policy allows no content from anywhere.
 */
export async function registerSecurity(
  server: FastifyInstance,
  options: { allowedOrigins: readonly string[]; rateLimit: RateLimitOptions },
): Promise<void> {
  await server.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    hsts: { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true },
    noSniff: true,
  });

  const allowed = new Set(options.allowedOrigins);
  await server.register(cors, {
    // A disallowed or missing Origin gets no CORS headers, so browsers block the response.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'OPTIONS'],
  });

  const redis = options.rateLimit.redisUrl ? connectRedis(server, options.rateLimit.redisUrl) : undefined;
  await server.register(rateLimit, {
    global: true,
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.timeWindowMs,
    ...(redis ? { redis, nameSpace: options.rateLimit.redisKeyPrefix ?? 'aurora-rate-limit:' } : {}),
    // NOTE: when Redis is unreachable, requests pass without a limit instead of failing, because
    // the API only reads the lake. The Redis client logs the outage.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => new ApiError('RATE_LIMITED', { retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
}

function connectRedis(server: FastifyInstance, url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, enableOfflineQueue: true });

  // ioredis reconnects on its own; log only the change to unavailable, not every retry.
  let available = true;
  client.on('error', (error: Error) => {
    if (available) {
      available = false;
      server.log.error({ err: error }, 'Redis for the rate limit is unavailable; requests pass without a limit');
    }
  });
  client.on('ready', () => {
    if (!available) {
      server.log.info('Redis for the rate limit is available again');
    }
    available = true;
  });

  server.addHook('onClose', async () => {
    await client.quit().catch(() => client.disconnect());
  });
  return client;
}
