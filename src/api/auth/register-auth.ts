import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

import { ApiError } from '../api-error.js';
import { ActiveUsers } from './active-users.js';
import { registerDisabledSignIn, registerRoutesWithoutAuth, registerSessionRoutes } from './auth-routes.js';
import { AuthStoreUnavailableError, MemoryAuthStore, type AuthStore } from './auth-store.js';
import { registerAuthentication } from './authenticate.js';
import { registerLocalSignIn } from './local-sign-in.js';
import { registerOidcRoutes } from './oidc-sign-in.js';
import type { OidcSettings } from './oidc-settings.js';
import type { Principal } from './principal.js';
import { RedisAuthStore } from './redis-auth-store.js';
import { DEFAULT_SESSION_LIFETIME, Sessions, type SessionLifetime } from './sessions.js';
import { SignInMetrics } from './sign-in-metrics.js';
import { loadTokensFile, type ApiToken } from './tokens-file.js';
import { loadUsersFile, type LocalUser } from './users-file.js';

/** Storage settings of sessions, pending OpenID sign-ins and the active-user set. */
export interface SessionStoreOptions {
  lifetime?: SessionLifetime;
  /** A Redis URL shares sessions between server processes; without it they live in this process. */
  redisUrl?: string;
  /** Prefix of every Redis key; default `aurora-auth:`. */
  redisKeyPrefix?: string;
}

/**
 * The accepted credentials. Each source is optional, but at least one must be given: API tokens
 * (a list for tests, or the file of AURORA_API_TOKENS_FILE), local users (a list or the file of
 * AURORA_USERS_FILE) and OpenID Connect.
 */
export interface AuthSources {
  tokens?: readonly ApiToken[];
  tokensFile?: string;
  users?: readonly LocalUser[];
  usersFile?: string;
  oidc?: OidcSettings;
  sessions?: SessionStoreOptions;
}

/** The server's auth option; `{ disabled: true }` is what `aurora serve --no-auth` selects. */
export type ServerAuth = AuthSources | { disabled: true };

export const DEFAULT_REDIS_KEY_PREFIX = 'aurora-auth:';

/** The auth option with its files read. */
export type ResolvedAuth =
  | { disabled: true }
  | { disabled?: undefined; tokens: readonly ApiToken[]; users: readonly LocalUser[]; oidc?: OidcSettings; sessions?: SessionStoreOptions };

/**
 * Reads the tokens and users files of `auth`. Call it before creating the server, so an invalid
 * file stops the start before any connection is open. Throws TokensFileError or UsersFileError.
 */
export function resolveAuth(auth: ServerAuth | undefined): ResolvedAuth {
  if (auth === undefined) {
    // The type requires auth; this guards JavaScript callers and casts.
    throw new Error('buildServer needs the auth option: tokens, tokensFile, users, usersFile, oidc, or disabled: true.');
  }
  if ('disabled' in auth) {
    return { disabled: true };
  }

  const tokens = auth.tokens ?? (auth.tokensFile === undefined ? [] : loadTokensFile(auth.tokensFile));
  const users = auth.users ?? (auth.usersFile === undefined ? [] : loadUsersFile(auth.usersFile));
  if (tokens.length === 0 && users.length === 0 && auth.oidc === undefined) {
    throw new Error('buildServer needs at least one sign-in source: tokens, tokensFile, users, usersFile or oidc.');
  }
  return { tokens, users, ...(auth.oidc ? { oidc: auth.oidc } : {}), ...(auth.sessions ? { sessions: auth.sessions } : {}) };
}

/** The second half of the registration, for the routes that must come after registerOpenApi. */
export interface AuthRegistration {
  registerRoutes(): Promise<void>;
}

/**
 * Registers the cookie parser and the authentication check. Call it before any protected route
 * and before registerOpenApi; call `registerRoutes()` of the result after registerOpenApi, so the
 * sign-in routes appear in the OpenAPI document. Closing the server closes the Redis connection
 * of the session store.
 */
export async function registerAuth(server: FastifyInstance, auth: ResolvedAuth, registry: Registry): Promise<AuthRegistration> {
  server.decorateRequest('principal', undefined);
  // Unsigned: the session id is 256 random bits that the server looks up, so a signature would add nothing.
  await server.register(cookie);

  if (auth.disabled) {
    server.log.warn('authentication is disabled (--no-auth): every client that can connect reads all endpoints');
    return { registerRoutes: async () => registerRoutesWithoutAuth(server) };
  }
  const { tokens, users, oidc } = auth;

  const store = createStore(server, auth.sessions);
  const sessions = new Sessions(store, auth.sessions?.lifetime ?? DEFAULT_SESSION_LIFETIME);
  const browserSignIn = users.length > 0 || oidc !== undefined;
  const activeUsers = new ActiveUsers(store, server.log);
  activeUsers.registerGauge(registry);

  registerAuthentication(server, {
    tokens,
    registry,
    resolveSession: browserSignIn ? resolveSessionWith(sessions, users) : undefined,
    onAuthenticated: (principal) => activeUsers.record(principal),
  });

  const metrics = new SignInMetrics(registry);
  return {
    registerRoutes: async () => {
      registerSessionRoutes(server, { local: users.length > 0, oidc: oidc !== undefined }, browserSignIn ? sessions : undefined);
      if (users.length > 0) {
        await registerLocalSignIn(server, { users, sessions, metrics });
      } else {
        registerDisabledSignIn(server, 'POST', '/auth/login', 'AURORA_USERS_FILE');
      }
      if (oidc !== undefined) {
        registerOidcRoutes(server, { settings: oidc, store, sessions, metrics });
      } else {
        registerDisabledSignIn(server, 'GET', '/auth/oidc/login', 'OpenID Connect');
        registerDisabledSignIn(server, 'GET', '/auth/oidc/callback', 'OpenID Connect');
      }
    },
  };
}

function createStore(server: FastifyInstance, options: SessionStoreOptions | undefined): AuthStore {
  const store = options?.redisUrl ? new RedisAuthStore(options.redisUrl, options.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX, server.log) : new MemoryAuthStore();
  server.addHook('onClose', async () => {
    await store.close();
  });
  return store;
}

/**
 * Returns the principal of a session. A local user's session follows the users file that this
 * process loaded: a user removed from it loses the session, and a changed role applies at once.
 */
function resolveSessionWith(sessions: Sessions, users: readonly LocalUser[]): (sessionId: string) => Promise<Principal | undefined> {
  const usersByName = new Map(users.map((user) => [user.name, user]));

  return async (sessionId) => {
    let principal: Principal | undefined;
    try {
      principal = await sessions.resolve(sessionId);
    } catch (error) {
      if (error instanceof AuthStoreUnavailableError) {
        throw Object.assign(new ApiError('SESSION_STORE_UNAVAILABLE', {}), { cause: error });
      }
      throw error;
    }

    if (principal?.method !== 'local') {
      return principal;
    }
    const user = usersByName.get(principal.name);
    return user === undefined ? undefined : { ...principal, role: user.role };
  };
}
