import { randomBytes } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Ajv, type ErrorObject } from 'ajv';

import { ApiError } from '../api-error.js';
import { AuthStoreUnavailableError } from './auth-store.js';
import { hashPassword, parsePasswordHash, verifyPassword, type PasswordHash } from './password-hash.js';
import type { Principal } from './principal.js';
import { setSessionCookie } from './session-cookie.js';
import { SESSION_COOKIE, type Sessions } from './sessions.js';
import type { SignInMetrics } from './sign-in-metrics.js';
import type { LocalUser } from './users-file.js';

/** A login body is a user name and a password; 4 KiB leaves room for both with JSON escaping. */
export const LOGIN_BODY_LIMIT_BYTES = 4096;
export const MAX_PASSWORD_LENGTH = 1024;

const LOGIN_BODY_SCHEMA = {
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} as const;

/**
 * Fastify's own ajv removes unknown properties and coerces types, which would accept
 * `{"password": 123}` or extra fields silently; this one rejects both.
 */
const ajv = new Ajv({ allErrors: false, removeAdditional: false, coerceTypes: false, useDefaults: false });
const validateLoginBody = ajv.compile<{ username: string; password: string }>(LOGIN_BODY_SCHEMA);

export interface LocalSignInOptions {
  users: readonly LocalUser[];
  sessions: Sessions;
  metrics: SignInMetrics;
}

/**
 * Registers POST /auth/login for the users of the users file. An unknown user name and a wrong
 * password get the same 401, and both run one scrypt verification, so the response time does not
 * tell which user names exist.
 */
export async function registerLocalSignIn(server: FastifyInstance, options: LocalSignInOptions): Promise<void> {
  const usersByName = new Map(options.users.map((user) => [user.name, user]));
  // Verified against for unknown user names; no password matches it, because its own was random and is gone.
  const unknownUserHash = parsePasswordHash(await hashPassword(randomBytes(32).toString('base64url'))) as PasswordHash;

  server.post(
    '/auth/login',
    {
      bodyLimit: LOGIN_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a user of the users file; sets the session cookie',
        body: LOGIN_BODY_SCHEMA,
      },
      validatorCompiler: () => (body) => (validateLoginBody(body) ? { value: body } : { error: new LoginBodyError(validateLoginBody.errors ?? []) }),
      attachValidation: true,
      onRequest: async (request) => checkLoginRequest(request),
    },
    async (request, reply) => {
      if (request.validationError !== undefined) {
        options.metrics.recordFailure('local', 'invalid_request');
        throw describeInvalidBody(request.validationError);
      }
      const { username, password } = request.body as { username: string; password: string };

      // NOTE: only the rate limits per address and per credential throttle guessing. There is no
      // limit per user name, so many addresses together can try one name faster.
      const user = usersByName.get(username);
      const passwordMatches = await verifyPassword(password, user?.passwordHash ?? unknownUserHash);
      if (user === undefined || !passwordMatches) {
        options.metrics.recordFailure('local', 'invalid_credentials');
        // The name is logged only when it exists, because people sometimes type a password into the name field.
        request.log.info({ userName: user?.name, knownUser: user !== undefined }, 'local sign-in failed');
        throw new ApiError('INVALID_CREDENTIALS', {});
      }

      const principal: Principal = { id: `local:${user.name}`, name: user.name, role: user.role, method: 'local' };
      await startSession(request, reply, options.sessions, principal);
      options.metrics.recordSuccess('local');
      request.log.info({ userName: user.name, role: user.role, signInMethod: 'local' }, 'signed in');
      return reply.header('cache-control', 'no-store').send({ name: principal.name, role: principal.role });
    },
  );
}

/**
 * Requires `Content-Type: application/json` before the body is read. A cross-site HTML form can
 * only send form encodings or text/plain, so this also stops login CSRF.
 */
function checkLoginRequest(request: FastifyRequest): void {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', { expected: 'application/json' });
  }
  const declaredLength = Number(request.headers['content-length'] ?? 0);
  if (declaredLength > LOGIN_BODY_LIMIT_BYTES) {
    throw new ApiError('PAYLOAD_TOO_LARGE', { limitBytes: LOGIN_BODY_LIMIT_BYTES });
  }
}

/** Ends a session the browser still had, so every sign-in starts with a fresh session id. */
async function startSession(request: FastifyRequest, reply: FastifyReply, sessions: Sessions, principal: Principal): Promise<void> {
  try {
    const previous = request.cookies[SESSION_COOKIE];
    if (previous !== undefined) {
      await sessions.end(previous);
    }
    const sessionId = await sessions.create(principal);
    setSessionCookie(request, reply, sessionId, sessions.lifetime.absoluteLifetimeMs);
  } catch (error) {
    if (error instanceof AuthStoreUnavailableError) {
      throw Object.assign(new ApiError('SESSION_STORE_UNAVAILABLE', {}), { cause: error });
    }
    throw error;
  }
}

class LoginBodyError extends Error {
  constructor(readonly errors: readonly ErrorObject[]) {
    super('invalid login body');
  }
}

function describeInvalidBody(error: Error): ApiError {
  const first = error instanceof LoginBodyError ? error.errors[0] : undefined;
  const params = (first?.params ?? {}) as { additionalProperty?: string; missingProperty?: string };

  if (first === undefined || first.instancePath === '' && first.keyword === 'type') {
    return new ApiError('INVALID_PARAMETER', { field: 'body', reason: { de: 'erwartet wird ein JSON-Objekt { "username", "password" }.', en: 'expected a JSON object { "username", "password" }.' } });
  }
  if (params.additionalProperty !== undefined) {
    return new ApiError('INVALID_PARAMETER', {
      field: params.additionalProperty,
      reason: { de: 'unbekanntes Feld; erlaubt sind username und password.', en: 'unknown field; allowed are username and password.' },
    });
  }
  if (params.missingProperty !== undefined) {
    return new ApiError('INVALID_PARAMETER', { field: params.missingProperty, reason: { de: 'fehlt.', en: 'is missing.' } });
  }

  const field = first.instancePath.slice(1) || 'body';
  const limit = field === 'password' ? MAX_PASSWORD_LENGTH : 64;
  return new ApiError('INVALID_PARAMETER', {
    field,
    reason: { de: `erwartet wird ein Text mit 1 bis ${limit} Zeichen.`, en: `expected a string of 1 to ${limit} characters.` },
  });
}
