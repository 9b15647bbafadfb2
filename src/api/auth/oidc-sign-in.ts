import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';

import { ApiError } from '../api-error.js';
import { AuthStoreUnavailableError, type AuthStore } from './auth-store.js';
import { mapClaimToRole } from './oidc-roles.js';
import type { OidcSettings } from './oidc-settings.js';
import type { Principal } from './principal.js';
import { cameOverHttps, setSessionCookie } from './session-cookie.js';
import type { Sessions } from './sessions.js';
import type { SignInFailureReason, SignInMetrics } from './sign-in-metrics.js';
import { prefersHtml, sendSignInErrorPage } from './sign-in-error-page.js';

/** Cookie that binds a started sign-in to the browser that started it. */
export const OIDC_STATE_COOKIE = 'aurora_oidc_state';

/** A sign-in must come back from the provider within this time; the pending entry then expires. */
export const PENDING_SIGN_IN_TTL_MS = 10 * 60_000;

/** Seconds openid-client waits for each request to the provider. */
const PROVIDER_TIMEOUT_SECONDS = 10;

/** Data the server keeps between GET /auth/oidc/login and the callback, under the hash of `state`. */
interface PendingSignIn {
  nonce: string;
  codeVerifier: string;
}

export interface OidcSignInOptions {
  settings: OidcSettings;
  store: AuthStore;
  sessions: Sessions;
  metrics: SignInMetrics;
}

/**
 * The provider's metadata, discovered on first use and kept. A failed discovery is not kept, so
 * the server starts while the provider is down and retries with the next sign-in.
 */
export class OidcClient {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings) {}

  async configuration(): Promise<client.Configuration> {
    if (this.discovered === undefined) {
      const pending = this.discover();
      this.discovered = pending;
      pending.catch(() => {
        if (this.discovered === pending) {
          this.discovered = undefined;
        }
      });
    }
    return this.discovered;
  }

  private discover(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    // readOidcSettings accepts http only for a provider on this machine.
    const execute = issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [];
    return client.discovery(issuer, clientId, clientSecret, client.ClientSecretPost(clientSecret), { execute, timeout: PROVIDER_TIMEOUT_SECONDS });
  }
}

/**
 * Registers GET /auth/oidc/login and GET /auth/oidc/callback: the authorization code flow with
 * PKCE (S256), state and nonce. The pending sign-in lives in the AuthStore, so the callback may
 * reach another server process than the login did when they share Redis.
 */
export function registerOidcRoutes(server: FastifyInstance, options: OidcSignInOptions): OidcClient {
  const oidc = new OidcClient(options.settings);

  // No automatic HEAD routes: a HEAD request would start a sign-in or take a pending one.
  server.get('/auth/oidc/login', { exposeHeadRoute: false, schema: { tags: ['auth'], summary: 'Start the OpenID Connect sign-in; redirects to the provider' } }, async (request, reply) => {
    try {
      return await startSignIn(request, reply, oidc, options);
    } catch (error) {
      return handleSignInError(request, reply, error, options.metrics);
    }
  });

  server.get('/auth/oidc/callback', { exposeHeadRoute: false, schema: { tags: ['auth'], summary: 'The provider redirects here; sets the session cookie and redirects to /' } }, async (request, reply) => {
    try {
      return await completeSignIn(request, reply, oidc, options);
    } catch (error) {
      return handleSignInError(request, reply, error, options.metrics);
    }
  });

  return oidc;
}

async function startSignIn(request: FastifyRequest, reply: FastifyReply, oidc: OidcClient, options: OidcSignInOptions): Promise<FastifyReply> {
  const configuration = await withProvider(() => oidc.configuration());

  const state = client.randomState();
  const pending: PendingSignIn = { nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
  const codeChallenge = await client.calculatePKCECodeChallenge(pending.codeVerifier);
  await withStore(() => options.store.set(pendingKey(state), JSON.stringify(pending), PENDING_SIGN_IN_TTL_MS));

  const target = client.buildAuthorizationUrl(configuration, {
    redirect_uri: options.settings.redirectUri.href,
    scope: options.settings.scopes,
    state,
    nonce: pending.nonce,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
  });

  // SameSite=Lax, because the provider brings the browser back with a cross-site top-level GET.
  reply.setCookie(OIDC_STATE_COOKIE, state, {
    httpOnly: true,
    sameSite: 'lax',
    path: options.settings.redirectUri.pathname,
    secure: cameOverHttps(request),
    maxAge: PENDING_SIGN_IN_TTL_MS / 1000,
  });
  reply.header('cache-control', 'no-store');
  return reply.redirect(target.href, 302);
}

async function completeSignIn(request: FastifyRequest, reply: FastifyReply, oidc: OidcClient, options: OidcSignInOptions): Promise<FastifyReply> {
  const { settings, store, sessions, metrics } = options;
  const query = request.query as Record<string, unknown>;
  const cookieState = request.cookies[OIDC_STATE_COOKIE];
  reply.clearCookie(OIDC_STATE_COOKIE, { httpOnly: true, sameSite: 'lax', path: settings.redirectUri.pathname, secure: cameOverHttps(request) });

  const state = typeof query.state === 'string' ? query.state : undefined;
  if (state === undefined || cookieState === undefined || !sameText(state, cookieState)) {
    throw new SignInFailure('state_mismatch', new ApiError('OIDC_STATE_MISMATCH', {}));
  }

  // Taking the entry deletes it, so a replayed callback URL finds nothing.
  const pendingText = await withStore(() => store.take(pendingKey(state)));
  const pending = parsePending(pendingText);
  if (pending === undefined) {
    throw new SignInFailure('expired_state', new ApiError('OIDC_LOGIN_EXPIRED', { minutes: PENDING_SIGN_IN_TTL_MS / 60_000 }));
  }

  if (typeof query.error === 'string') {
    // Anyone can build a callback link with any description, so the description goes only to the log.
    const errorCode = /^[A-Za-z0-9_.-]{1,64}$/.test(query.error) ? query.error : 'invalid_error_code';
    request.log.info({ providerError: errorCode, providerErrorDescription: String(query.error_description ?? '').slice(0, 500) }, 'OpenID provider returned an error');
    throw new SignInFailure('provider_error', new ApiError('OIDC_PROVIDER_ERROR', { error: errorCode }));
  }

  const configuration = await withProvider(() => oidc.configuration());
  // The redirect URI as registered, with the query of this request: behind a proxy the
  // server's own view of host and path can differ from what the provider saw.
  const currentUrl = new URL(settings.redirectUri.href);
  currentUrl.search = new URL(request.url, 'http://callback.invalid').search;

  let claims: client.IDToken | undefined;
  try {
    const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims();
  } catch (error) {
    throw classifyGrantError(request, error);
  }
  if (claims === undefined) {
    throw new SignInFailure('code_rejected', new ApiError('OIDC_CODE_REJECTED', {}));
  }

  const mapped = mapClaimToRole(claims[settings.roleClaim], settings.roleMap);
  if ('values' in mapped) {
    request.log.info({ sub: claims.sub, roleClaim: settings.roleClaim, values: mapped.values }, 'OpenID sign-in without a mapped role');
    throw new SignInFailure('no_role', new ApiError('OIDC_NO_ROLE', { claim: settings.roleClaim, values: mapped.values.join(', ') }));
  }

  const principal: Principal = { id: `oidc:${claims.sub}`, name: displayName(claims), role: mapped.role, method: 'oidc' };
  const sessionId = await withStore(() => sessions.create(principal));
  setSessionCookie(request, reply, sessionId, sessions.lifetime.absoluteLifetimeMs);
  metrics.recordSuccess('oidc');
  request.log.info({ userName: principal.name, principal: principal.id, role: principal.role, signInMethod: 'oidc' }, 'signed in');
  reply.header('cache-control', 'no-store');
  return reply.redirect('/', 302);
}

/** A failed sign-in with the metric reason and the error the client gets. */
class SignInFailure extends Error {
  constructor(
    readonly reason: SignInFailureReason,
    readonly apiError: ApiError,
  ) {
    super(apiError.message);
  }
}

function handleSignInError(request: FastifyRequest, reply: FastifyReply, error: unknown, metrics: SignInMetrics): FastifyReply {
  let failure: SignInFailure;
  if (error instanceof SignInFailure) {
    failure = error;
  } else if (error instanceof ApiError) {
    failure = new SignInFailure('unavailable', error);
  } else {
    throw error;
  }

  metrics.recordFailure('oidc', failure.reason);
  if (failure.reason === 'unavailable') {
    request.log.error({ err: failure.apiError.cause ?? failure.apiError, code: failure.apiError.code }, 'OpenID sign-in failed: a service is unavailable');
  }
  if (prefersHtml(request)) {
    return sendSignInErrorPage(request, reply, failure.apiError);
  }
  throw failure.apiError;
}

/**
 * Classifies a failed code redemption. An error response of the token endpoint (such as
 * invalid_grant for a used or expired code) and a failed ID token check reject the sign-in. A
 * network failure, a timeout or a 5xx response means the provider is unavailable.
 */
function classifyGrantError(request: FastifyRequest, error: unknown): SignInFailure {
  const code = (error as { code?: unknown }).code;
  const unreachable =
    error instanceof TypeError ||
    (error instanceof client.ResponseBodyError && error.status >= 500) ||
    code === 'OAUTH_TIMEOUT' ||
    code === 'OAUTH_ABORT' ||
    code === 'OAUTH_RESPONSE_IS_NOT_CONFORM';
  if (unreachable) {
    request.log.error({ err: error }, 'OpenID provider token request failed');
    return new SignInFailure('unavailable', new ApiError('OIDC_PROVIDER_UNAVAILABLE', {}));
  }

  const providerError = error instanceof client.ResponseBodyError ? error.error : undefined;
  request.log.info({ providerError, reason: error instanceof Error ? error.message : String(error), code }, 'OpenID code or ID token rejected');
  return new SignInFailure('code_rejected', new ApiError('OIDC_CODE_REJECTED', {}));
}

async function withProvider<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw Object.assign(new ApiError('OIDC_PROVIDER_UNAVAILABLE', {}), { cause: error });
  }
}

async function withStore<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof AuthStoreUnavailableError) {
      throw Object.assign(new ApiError('SESSION_STORE_UNAVAILABLE', {}), { cause: error });
    }
    throw error;
  }
}

function pendingKey(state: string): string {
  return `oidc:${createHash('sha256').update(state, 'utf8').digest('hex')}`;
}

function parsePending(text: string | undefined): PendingSignIn | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<PendingSignIn>;
    return typeof value.nonce === 'string' && typeof value.codeVerifier === 'string' ? { nonce: value.nonce, codeVerifier: value.codeVerifier } : undefined;
  } catch {
    return undefined;
  }
}

function sameText(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}

/** Entra ID sends `name` and `preferred_username` (usually the e-mail address). */
function displayName(claims: client.IDToken): string {
  for (const claim of ['name', 'preferred_username', 'email']) {
    const value = claims[claim];
    if (typeof value === 'string' && value.trim() !== '') {
      return value.trim().slice(0, 200);
    }
  }
  return claims.sub;
}
