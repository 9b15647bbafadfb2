import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

import { registerRateLimit, type RateLimitOptions } from './rate-limit.js';

export { DEFAULT_RATE_LIMIT, DEFAULT_REDIS_KEY_PREFIX, type RateLimitOptions } from './rate-limit.js';

export interface SecurityOptions {
  /** Origins that get CORS headers; any other origin gets none. */
  allowedOrigins: readonly string[];
  /**
   * Origins besides the server's own that a form may submit to, such as the OpenID provider
   * when a login form's response redirects there (browsers apply form-action to that redirect).
   */
  formActionOrigins?: readonly string[];
  rateLimit: RateLimitOptions;
  /** Registry of the server's metrics, for the rate limit's counters. */
  registry: Registry;
}

/** HSTS for one year; browsers ignore it on plain http, so it is harmless behind a TLS proxy or without. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;

/** An origin as a CSP source: scheme and host, no path, nothing that could end the directive. */
const ORIGIN_SOURCE = /^https?:\/\/[^\s;,'"/]+$/;

/**
 * Builds the Content-Security-Policy. The dashboard is a Vite build served by this process, so
 * scripts, styles, images and API calls come from the same origin only, with no inline code.
 * `data:` images cover icons that Vite inlines as data URLs.
 */
export function contentSecurityPolicy(formActionOrigins: readonly string[]): string {
  for (const origin of formActionOrigins) {
    if (!ORIGIN_SOURCE.test(origin)) {
      throw new Error(`form-action origin ${JSON.stringify(origin)} is invalid: expected an origin of the form https://host[:port] without a path`);
    }
  }
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'"]],
    ['manifest-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'self'", ...formActionOrigins]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

/**
 * Returns the headers of every response: the set that helmet 8 sends by default, with
 * X-Frame-Options DENY and this API's Content-Security-Policy. They are fixed, so they are built
 * once; @fastify/helmet 13 rebuilt them on every request, which cost about 5 % of the CPU of a
 * loaded server (bench/api-load.ts with --cpu-prof).
 */
export function securityHeaders(formActionOrigins: readonly string[]): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(formActionOrigins),
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'DENY',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };
}

/** Registers security headers, CORS and the rate limit. */
export async function registerSecurity(server: FastifyInstance, options: SecurityOptions): Promise<void> {
  const headers = securityHeaders(options.formActionOrigins ?? []);
  server.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });

  const allowed = new Set(options.allowedOrigins);
  await server.register(cors, {
    // A disallowed or missing Origin gets no CORS headers, so browsers block the response.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'OPTIONS'],
  });

  await registerRateLimit(server, options.rateLimit, options.registry);
}
