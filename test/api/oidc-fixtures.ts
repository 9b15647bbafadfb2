import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

import Provider from 'oidc-provider';

/** Accounts of the test provider: account id → display name and the Entra ID style `roles` claim. */
export type TestAccounts = Record<string, { name: string; roles?: string[] }>;

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * Starts a real OpenID provider (oidc-provider 9) on 127.0.0.1 with one confidential client.
 * Its development login form accepts any password, so the account id picks the user. The
 * `roles` claim is part of the `profile` scope and goes into the ID token, as Entra ID does
 * with app roles.
 */
export async function startTestProvider(options: { redirectUris: string[]; accounts: TestAccounts; codeTtlSeconds?: number }): Promise<TestProvider> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'aurora-test';
  const clientSecret = 'test-client-secret-that-must-not-be-logged';

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], profile: ['name', 'roles'] },
    conformIdTokenClaims: false,
    cookies: { keys: ['test-cookie-signing-key'] },
    ttl: { AuthorizationCode: options.codeTtlSeconds ?? 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    async findAccount(_context, accountId) {
      const account = options.accounts[accountId];
      if (account === undefined) {
        return undefined;
      }
      return {
        accountId,
        async claims() {
          return { sub: accountId, name: account.name, ...(account.roles ? { roles: account.roles } : {}) };
        },
      };
    },
  });
  server.on('request', provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Returns a TCP port that was free a moment ago, for a server whose URL must be known before it listens. */
export async function freePort(): Promise<number> {
  const probe = createNetServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A browser's cookie jar for one host: it keeps Path and deletion, and ignores the port as browsers do. */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      const path = attributes.find((attribute) => /^path=/i.test(attribute))?.slice(5) ?? '/';
      const expired = attributes.some((attribute) => /^max-age=0$/i.test(attribute) || (/^expires=/i.test(attribute) && Date.parse(attribute.slice(8)) < Date.now()));
      const key = `${name};${path}`;
      if (expired || value === '') {
        this.cookies.delete(key);
      } else {
        this.cookies.set(key, { value, path });
      }
    }
  }

  headerFor(url: string): string {
    const pathname = new URL(url).pathname;
    return [...this.cookies.entries()]
      .filter(([, cookie]) => pathname === cookie.path || pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))
      .map(([key, cookie]) => `${key.split(';')[0]}=${cookie.value}`)
      .join('; ');
  }

  get(name: string): string | undefined {
    return [...this.cookies.entries()].find(([key]) => key.split(';')[0] === name)?.[1].value;
  }
}

/** Fetches without following redirects, sending the jar's cookies and storing the ones the response sets. */
export async function browserFetch(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.headerFor(url);
  if (cookie !== '') {
    headers.set('cookie', cookie);
  }
  if (!headers.has('accept')) {
    headers.set('accept', 'text/html,application/xhtml+xml');
  }
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(response);
  return response;
}

/**
 * Follows redirects and fills in the provider's development login and consent forms like a
 * user, until a redirect to `stopAt` appears; returns that URL. `abort` clicks "cancel" on the
 * login form instead of signing in.
 */
export async function signInAtProvider(jar: CookieJar, startUrl: string, stopAt: string, accountId: string, abort = false): Promise<string> {
  let url = startUrl;
  for (let step = 0; step < 20; step += 1) {
    if (url.startsWith(stopAt)) {
      return url;
    }
    const response = await browserFetch(jar, url);
    const location = response.headers.get('location');
    if (location !== null) {
      url = new URL(location, url).href;
      continue;
    }

    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1];
    if (response.status !== 200 || action === undefined || prompt === undefined) {
      throw new Error(`unexpected provider page ${response.status} at ${url}: ${html.slice(0, 300)}`);
    }
    if (abort) {
      url = new URL(`${action.replaceAll('&#x2F;', '/').replace(/\/$/, '')}/abort`, url).href;
      continue;
    }
    const fields: Record<string, string> = prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt };
    const submitted = await browserFetch(jar, new URL(action.replaceAll('&#x2F;', '/'), url).href, {
      method: 'POST',
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const next = submitted.headers.get('location');
    if (next === null) {
      throw new Error(`the provider form at ${url} did not redirect: ${submitted.status} ${(await submitted.text()).slice(0, 300)}`);
    }
    url = new URL(next, url).href;
  }
  throw new Error(`no redirect to ${stopAt} after 20 steps`);
}
