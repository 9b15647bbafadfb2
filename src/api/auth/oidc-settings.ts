import { isRole, type Role } from './route-roles.js';

/** The OpenID Connect client settings, from AURORA_OIDC_* variables. */
export interface OidcSettings {
  /** Issuer identifier, for Entra ID `https://login.microsoftonline.com/<tenant id>/v2.0`. */
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** The callback address registered at the provider; its path must reach GET /auth/oidc/callback. */
  redirectUri: URL;
  /** Space-separated scopes of the authorization request. */
  scopes: string;
  /** ID token claim with the role values; Entra ID puts app roles into `roles`. */
  roleClaim: string;
  /** Claim value → Aurora role, for example Aurora.Viewer → viewer. */
  roleMap: ReadonlyMap<string, Role>;
}

/** A sign-in setting that is invalid, with the variable, the value to show and what was expected. */
export class AuthSettingError extends Error {
  override readonly name = 'AuthSettingError';

  constructor(
    readonly variable: string,
    /** The rejected value, or a placeholder for secrets, which are never shown. */
    readonly shownValue: string,
    readonly expected: { de: string; en: string },
  ) {
    super(`${variable}=${shownValue}: expected ${expected.en}`);
  }

  render(language: 'de' | 'en'): string {
    return language === 'de'
      ? `Ungültiger Wert ${this.shownValue} in ${this.variable}: erwartet wird ${this.expected.de}.`
      : `Invalid value ${this.shownValue} in ${this.variable}: expected ${this.expected.en}.`;
  }
}

const OIDC_VARIABLES = ['AURORA_OIDC_ISSUER', 'AURORA_OIDC_CLIENT_ID', 'AURORA_OIDC_CLIENT_SECRET', 'AURORA_OIDC_REDIRECT_URI', 'AURORA_OIDC_ROLE_MAP'] as const;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Reads the OpenID Connect settings. Returns undefined when none of the required variables is
 * set. Setting only some of them is an error, so that a typo cannot silently turn single sign-on off.
 */
export function readOidcSettings(env: NodeJS.ProcessEnv): OidcSettings | undefined {
  const present = OIDC_VARIABLES.filter((variable) => (env[variable] ?? '') !== '');
  if (present.length === 0) {
    return undefined;
  }
  const missing = OIDC_VARIABLES.find((variable) => (env[variable] ?? '') === '');
  if (missing !== undefined) {
    throw new AuthSettingError(missing, '""', {
      de: `ein Wert, weil ${present.join(', ')} gesetzt ist und OpenID Connect alle Variablen ${OIDC_VARIABLES.join(', ')} braucht`,
      en: `a value, because ${present.join(', ')} is set and OpenID Connect needs all of ${OIDC_VARIABLES.join(', ')}`,
    });
  }

  const scopes = (env.AURORA_OIDC_SCOPES ?? '').trim() || 'openid profile';
  if (!scopes.split(/\s+/).includes('openid')) {
    throw new AuthSettingError('AURORA_OIDC_SCOPES', scopes, { de: 'eine durch Leerzeichen getrennte Liste von Scopes mit openid', en: 'a space-separated list of scopes that contains openid' });
  }
  const roleClaim = (env.AURORA_OIDC_ROLE_CLAIM ?? '').trim() || 'roles';

  return {
    issuer: readSecureUrl(env, 'AURORA_OIDC_ISSUER'),
    clientId: env.AURORA_OIDC_CLIENT_ID ?? '',
    clientSecret: env.AURORA_OIDC_CLIENT_SECRET ?? '',
    redirectUri: readSecureUrl(env, 'AURORA_OIDC_REDIRECT_URI'),
    scopes,
    roleClaim,
    roleMap: parseRoleMap(env.AURORA_OIDC_ROLE_MAP ?? ''),
  };
}

/** https, or http only for a provider on this machine (tests, local development). */
function readSecureUrl(env: NodeJS.ProcessEnv, variable: string): URL {
  const value = env[variable] ?? '';
  const expected = {
    de: 'eine absolute https-Adresse (http nur für 127.0.0.1, [::1] oder localhost)',
    en: 'an absolute https URL (http only for 127.0.0.1, [::1] or localhost)',
  };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthSettingError(variable, value, expected);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure || url.username !== '' || url.password !== '' || url.hash !== '') {
    throw new AuthSettingError(variable, value, expected);
  }
  return url;
}

/** Parses `Aurora.Viewer=viewer,Aurora.Admin=admin`. Several claim values may map to one role. */
export function parseRoleMap(text: string): Map<string, Role> {
  const expected = {
    de: 'durch Kommas getrennte Paare Claim-Wert=Rolle, etwa Aurora.Viewer=viewer, mit den Rollen viewer, controller, data_engineer, admin',
    en: 'comma-separated pairs claim value=role, such as Aurora.Viewer=viewer, with the roles viewer, controller, data_engineer, admin',
  };
  const map = new Map<string, Role>();
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') {
      continue;
    }
    const separator = entry.lastIndexOf('=');
    const claimValue = entry.slice(0, separator).trim();
    const role = entry.slice(separator + 1).trim();
    if (separator < 1 || claimValue === '' || !isRole(role) || map.has(claimValue)) {
      throw new AuthSettingError('AURORA_OIDC_ROLE_MAP', entry, expected);
    }
    map.set(claimValue, role);
  }
  if (map.size === 0) {
    throw new AuthSettingError('AURORA_OIDC_ROLE_MAP', text, expected);
  }
  return map;
}
