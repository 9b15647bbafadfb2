import type { FastifyInstance } from 'fastify';

import { ApiError } from '../api-error.js';
import { AuthStoreUnavailableError } from './auth-store.js';
import { clearSessionCookie } from './session-cookie.js';
import { SESSION_COOKIE, type Sessions } from './sessions.js';

/** Browser sign-in methods the server offers. The dashboard shows a form or button for each. */
export interface SignInMethods {
  local: boolean;
  oidc: boolean;
}

const METHODS_SCHEMA = {
  tags: ['auth'],
  summary: 'Browser sign-in methods this server offers',
  response: { 200: { type: 'object', properties: { local: { type: 'boolean' }, oidc: { type: 'boolean' } }, required: ['local', 'oidc'] } },
};

const ME_SCHEMA = {
  tags: ['auth'],
  summary: 'The signed-in principal: name, role and sign-in method',
  response: {
    200: {
      type: 'object',
      properties: { name: { type: 'string' }, role: { type: 'string' }, method: { type: 'string', enum: ['token', 'local', 'oidc', 'none'] } },
      required: ['name', 'role', 'method'],
    },
  },
};

/** Registers GET /auth/methods, POST /auth/logout and GET /api/v1/me. */
export function registerSessionRoutes(server: FastifyInstance, methods: SignInMethods, sessions: Sessions | undefined): void {
  server.get('/auth/methods', { schema: METHODS_SCHEMA }, async () => methods);

  server.post('/auth/logout', { schema: { tags: ['auth'], summary: 'End the session of the session cookie; 204 also without one' } }, async (request, reply) => {
    const sessionId = request.cookies[SESSION_COOKIE];
    if (sessionId !== undefined && sessions !== undefined) {
      try {
        await sessions.end(sessionId);
      } catch (error) {
        if (error instanceof AuthStoreUnavailableError) {
          throw Object.assign(new ApiError('SESSION_STORE_UNAVAILABLE', {}), { cause: error });
        }
        throw error;
      }
      request.log.info('signed out');
    }
    clearSessionCookie(request, reply);
    return reply.code(204).send();
  });

  server.get('/api/v1/me', { schema: ME_SCHEMA }, async (request) => {
    // registerAuthentication's check has set the principal before the handler runs.
    const principal = request.principal;
    if (principal === undefined) {
      throw new Error('GET /api/v1/me ran without a principal; its route is missing from ROUTE_ROLES.');
    }
    return { name: principal.name, role: principal.role, method: principal.method };
  });
}

/**
 * Registers the same routes with authentication turned off (`--no-auth`): no sign-in method,
 * and /api/v1/me describes the anonymous caller, who may read everything.
 */
export function registerRoutesWithoutAuth(server: FastifyInstance): void {
  server.get('/auth/methods', { schema: METHODS_SCHEMA }, async () => ({ local: false, oidc: false }));
  server.post('/auth/logout', { schema: { tags: ['auth'], summary: 'Clear the session cookie' } }, async (request, reply) => {
    clearSessionCookie(request, reply);
    return reply.code(204).send();
  });
  server.get('/api/v1/me', { schema: ME_SCHEMA }, async () => ({ name: 'anonymous', role: 'admin', method: 'none' }));
}

/** Registers a route that returns 404 SIGN_IN_METHOD_DISABLED, so a client learns the reason and not just "no such route". */
export function registerDisabledSignIn(server: FastifyInstance, method: 'POST' | 'GET', url: string, name: string): void {
  server.route({
    method,
    url,
    schema: { hide: true },
    handler: async () => {
      throw new ApiError('SIGN_IN_METHOD_DISABLED', { method: name });
    },
  });
}
