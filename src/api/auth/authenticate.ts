import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { Counter, type Registry } from 'prom-client';

import { ApiError } from '../api-error.js';
import type { Principal } from './principal.js';
import { rolesForRoute, type Role } from './route-roles.js';
import { clearSessionCookie } from './session-cookie.js';
import { SESSION_COOKIE } from './sessions.js';
import type { ApiToken } from './tokens-file.js';

/** Labels of aurora_auth_failures_total. */
export type AuthFailureReason = 'missing' | 'malformed' | 'unknown_token' | 'invalid_session' | 'forbidden_role';

/** `Bearer <token68>` (RFC 6750 section 2.1); the scheme is case-insensitive. */
const BEARER_PATTERN = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** A token with its hash decoded once, so a request only hashes the presented token. */
interface KnownToken {
  token: ApiToken;
  digest: Buffer;
}

export interface AuthenticationOptions {
  tokens: readonly ApiToken[];
  /** Resolves a session cookie to its principal; absent when no sign-in method for browsers is configured. */
  resolveSession?: (sessionId: string) => Promise<Principal | undefined>;
  /** Called after each successful check, for the active-user count. */
  onAuthenticated?: (principal: Principal) => void;
  registry: Registry;
}

/**
 * Requires an API token or a session cookie on every route that is not open and checks the
 * principal's role against route-roles.ts. Call it before registering the routes, because it
 * attaches its check in an onRoute hook. The check runs after the rate limit's onRequest hook of
 * the same route, so failed attempts count against the limit too. A route with no entry in
 * route-roles.ts makes the registration throw, so a new endpoint cannot be served without a
 * decision on its roles.
 */
export function registerAuthentication(server: FastifyInstance, options: AuthenticationOptions): void {
  const failures = new Counter({
    name: 'aurora_auth_failures_total',
    help: 'Requests rejected with 401 or 403, by reason (missing, malformed, unknown_token, invalid_session, forbidden_role).',
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
      const principal = await authenticate(request, reply, knownTokens, options.resolveSession, failures);
      authorize(request, reply, principal, roles, failures);
      request.principal = principal;
      options.onAuthenticated?.(principal);

      // Later log lines of the request, including "request completed", name the caller but never
      // contain its token or session id.
      const bindings = principal.method === 'token' ? { tokenName: principal.name } : { userName: principal.name, signInMethod: principal.method };
      request.log = request.log.child({ ...bindings, role: principal.role });
      reply.log = request.log;
    };
    routeOptions.onRequest = [...toArray(routeOptions.onRequest), check];
    routeOptions.schema = { ...routeOptions.schema, security: [{ bearerAuth: [] }, { cookieAuth: [] }] };
  });
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

/**
 * Identifies the caller. An Authorization header takes precedence: a request that sends one is
 * judged by it alone, even with a session cookie, so a bad token never falls back to the cookie.
 */
async function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  knownTokens: readonly KnownToken[],
  resolveSession: AuthenticationOptions['resolveSession'],
  failures: Counter<'reason'>,
): Promise<Principal> {
  const header = request.headers.authorization;
  if (header !== undefined && header !== '') {
    return authenticateToken(header, reply, knownTokens, failures);
  }

  const sessionId = resolveSession === undefined ? undefined : request.cookies[SESSION_COOKIE];
  if (resolveSession !== undefined && sessionId !== undefined && sessionId !== '') {
    const principal = await resolveSession(sessionId);
    if (principal === undefined) {
      failures.inc({ reason: 'invalid_session' });
      clearSessionCookie(request, reply);
      reply.header('www-authenticate', 'Bearer realm="aurora"');
      throw new ApiError('SESSION_INVALID', {});
    }
    return principal;
  }

  failures.inc({ reason: 'missing' });
  reply.header('www-authenticate', 'Bearer realm="aurora"');
  throw new ApiError('AUTHENTICATION_REQUIRED', {});
}

function authenticateToken(header: string, reply: FastifyReply, knownTokens: readonly KnownToken[], failures: Counter<'reason'>): Principal {
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
  return { id: `token:${match.name}`, name: match.name, role: match.role, method: 'token' };
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

function authorize(request: FastifyRequest, reply: FastifyReply, principal: Principal, allowed: readonly Role[], failures: Counter<'reason'>): void {
  if (allowed.includes(principal.role)) {
    return;
  }
  failures.inc({ reason: 'forbidden_role' });
  if (principal.method === 'token') {
    reply.header('www-authenticate', 'Bearer realm="aurora", error="insufficient_scope"');
  }
  request.log.info({ principal: principal.id, role: principal.role }, 'role not allowed on route');
  throw new ApiError('ROLE_NOT_ALLOWED', { role: principal.role, allowedRoles: allowed.join(', '), route: `${request.method} ${request.routeOptions.url ?? ''}` });
}
