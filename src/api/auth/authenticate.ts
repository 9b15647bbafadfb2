import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { Counter, type Registry } from 'prom-client';

import { ApiError } from '../api-error.js';
import { rolesForRoute, type Role } from './route-roles.js';
import type { ApiToken } from './tokens-file.js';

/** Labels of aurora_auth_failures_total. */
export type AuthFailureReason = 'missing' | 'malformed' | 'unknown_token' | 'forbidden_role';

/** `Bearer <token68>` (RFC 6750 section 2.1); the scheme is case-insensitive. */
const BEARER_PATTERN = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** A token with its hash decoded once, so a request only hashes the presented token. */
interface KnownToken {
  token: ApiToken;
  digest: Buffer;
}

/**
 * Requires a bearer token on every route that is not open and checks its role against
 * route-roles.ts. Call it before registering the routes, because it attaches its check in an
 * onRoute hook. The check runs after the rate limit's onRequest hook of the same route, so
 * failed attempts count against the limit too. A route with no entry in route-roles.ts makes
 * the registration throw, so a new endpoint cannot be served without a decision on its roles.
 */
export function registerAuthentication(server: FastifyInstance, options: { tokens: readonly ApiToken[]; registry: Registry }): void {
  const failures = new Counter({
    name: 'aurora_auth_failures_total',
    help: 'Requests rejected with 401 or 403, by reason (missing, malformed, unknown_token, forbidden_role).',
    labelNames: ['reason'],
    registers: [options.registry],
  });
  const knownTokens: KnownToken[] = options.tokens.map((token) => ({ token, digest: Buffer.from(token.sha256, 'hex') }));

  server.addHook('onRoute', (routeOptions) => {
    const roles = rolesForRoute(routeOptions.url);
    if (roles === 'open') {
      return;
    }
    if (roles === undefined) {
      throw new Error(`Route ${routeOptions.url} has no entry in ROUTE_ROLES (src/api/auth/route-roles.ts); add its roles or list it in OPEN_ROUTES.`);
    }

    const check: onRequestHookHandler = async (request, reply) => {
      const token = authenticate(request, reply, knownTokens, failures);
      authorize(request, reply, token, roles, failures);
      // Later log lines of the request, including "request completed", name the token but never contain it.
      request.log = request.log.child({ tokenName: token.name, role: token.role });
      reply.log = request.log;
    };
    routeOptions.onRequest = [...toArray(routeOptions.onRequest), check];
    routeOptions.schema = { ...routeOptions.schema, security: [{ bearerAuth: [] }] };
  });
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

function authenticate(request: FastifyRequest, reply: FastifyReply, knownTokens: readonly KnownToken[], failures: Counter<'reason'>): ApiToken {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    failures.inc({ reason: 'missing' });
    reply.header('www-authenticate', 'Bearer realm="aurora"');
    throw new ApiError('AUTHENTICATION_REQUIRED', {});
  }

  const presented = BEARER_PATTERN.exec(header)?.[1];
  if (presented === undefined) {
    failures.inc({ reason: 'malformed' });
    reply.header('www-authenticate', 'Bearer realm="aurora", error="invalid_request"');
    throw new ApiError('MALFORMED_AUTHORIZATION', {});
  }

  const match = findToken(presented, knownTokens);
  if (match === undefined) {
    failures.inc({ reason: 'unknown_token' });
    reply.header('www-authenticate', 'Bearer realm="aurora", error="invalid_token"');
    throw new ApiError('INVALID_TOKEN', {});
  }
  return match;
}

/**
 * Compares the hash of the presented token with every entry in constant time and without an
 * early exit, so the response time does not reveal how many bytes or which entry matched.
 */
function findToken(presented: string, knownTokens: readonly KnownToken[]): ApiToken | undefined {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let match: ApiToken | undefined;
  for (const known of knownTokens) {
    if (timingSafeEqual(digest, known.digest)) {
      match = known.token;
    }
  }
  return match;
}

function authorize(request: FastifyRequest, reply: FastifyReply, token: ApiToken, allowed: readonly Role[], failures: Counter<'reason'>): void {
  if (allowed.includes(token.role)) {
    return;
  }
  failures.inc({ reason: 'forbidden_role' });
  reply.header('www-authenticate', 'Bearer realm="aurora", error="insufficient_scope"');
  request.log.info({ tokenName: token.name, role: token.role }, 'role not allowed on route');
  throw new ApiError('ROLE_NOT_ALLOWED', { role: token.role, allowedRoles: allowed.join(', '), route: `${request.method} ${request.routeOptions.url ?? ''}` });
}
