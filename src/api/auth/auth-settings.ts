import type { Language } from '../../i18n/language.js';
import { readOidcSettings, AuthSettingError, type OidcSettings } from './oidc-settings.js';
import { DEFAULT_REDIS_KEY_PREFIX, type ServerAuth, type SessionStoreOptions } from './register-auth.js';
import { DEFAULT_SESSION_LIFETIME } from './sessions.js';

/** The sign-in settings of `aurora serve` that come from environment variables. */
export interface AuthSettings {
  /** AURORA_API_TOKENS_FILE */
  tokensFile?: string;
  /** AURORA_USERS_FILE */
  usersFile?: string;
  /** AURORA_OIDC_* */
  oidc?: OidcSettings;
  /** AURORA_SESSION_IDLE_MINUTES, AURORA_SESSION_MAX_HOURS, AURORA_SESSION_KEY_PREFIX and REDIS_URL */
  sessions: SessionStoreOptions;
}

const KEY_PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Reads AURORA_API_TOKENS_FILE, AURORA_USERS_FILE, the AURORA_OIDC_* variables, the session
 * lifetimes, AURORA_SESSION_KEY_PREFIX and REDIS_URL. Throws AuthSettingError for an invalid value.
 */
export function readAuthSettings(env: NodeJS.ProcessEnv): AuthSettings {
  const idleMinutes = readWholeNumber(env, 'AURORA_SESSION_IDLE_MINUTES', DEFAULT_SESSION_LIFETIME.idleTimeoutMs / 60_000, 1, 24 * 60);
  const maxHours = readWholeNumber(env, 'AURORA_SESSION_MAX_HOURS', DEFAULT_SESSION_LIFETIME.absoluteLifetimeMs / 3_600_000, 1, 30 * 24);
  if (idleMinutes > maxHours * 60) {
    throw new AuthSettingError('AURORA_SESSION_IDLE_MINUTES', String(idleMinutes), {
      de: `höchstens AURORA_SESSION_MAX_HOURS (${maxHours}) mal 60`,
      en: `at most AURORA_SESSION_MAX_HOURS (${maxHours}) times 60`,
    });
  }

  const keyPrefix = env.AURORA_SESSION_KEY_PREFIX || DEFAULT_REDIS_KEY_PREFIX;
  if (!KEY_PREFIX_PATTERN.test(keyPrefix)) {
    throw new AuthSettingError('AURORA_SESSION_KEY_PREFIX', keyPrefix, { de: '1 bis 64 Zeichen aus Buchstaben, Ziffern, _, ., : und -', en: '1 to 64 characters of letters, digits, _, ., : and -' });
  }

  const sessions: SessionStoreOptions = {
    lifetime: { idleTimeoutMs: idleMinutes * 60_000, absoluteLifetimeMs: maxHours * 3_600_000 },
    redisKeyPrefix: keyPrefix,
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
  };
  const oidc = readOidcSettings(env);
  return {
    sessions,
    ...(env.AURORA_API_TOKENS_FILE ? { tokensFile: env.AURORA_API_TOKENS_FILE } : {}),
    ...(env.AURORA_USERS_FILE ? { usersFile: env.AURORA_USERS_FILE } : {}),
    ...(oidc ? { oidc } : {}),
  };
}

function readWholeNumber(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number, max: number): number {
  const value = env[variable];
  if (value === undefined || value === '') {
    return fallback;
  }
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new AuthSettingError(variable, value, { de: `eine ganze Zahl von ${min} bis ${max}`, en: `a whole number from ${min} to ${max}` });
  }
  return Number(value);
}

/** Names of the configured sign-in sources, for messages and the start log line. */
export function describeAuthSources(settings: AuthSettings): string[] {
  const sources: string[] = [];
  if (settings.tokensFile !== undefined) {
    sources.push('tokens');
  }
  if (settings.usersFile !== undefined) {
    sources.push('local');
  }
  if (settings.oidc !== undefined) {
    sources.push('oidc');
  }
  return sources;
}

/**
 * Returns the server's auth option, or the message to print when the settings contradict each
 * other or leave authentication undecided: `aurora serve` needs a tokens file, a users file or
 * OpenID Connect, or else an explicit `--no-auth`.
 */
export function chooseServerAuth(settings: AuthSettings, authEnabled: boolean, language: Language): ServerAuth | string {
  const variables = [
    settings.tokensFile === undefined ? undefined : `AURORA_API_TOKENS_FILE=${settings.tokensFile}`,
    settings.usersFile === undefined ? undefined : `AURORA_USERS_FILE=${settings.usersFile}`,
    settings.oidc === undefined ? undefined : `AURORA_OIDC_ISSUER=${settings.oidc.issuer.href}`,
  ].filter((variable): variable is string => variable !== undefined);

  if (variables.length > 0 && !authEnabled) {
    return language === 'de'
      ? `--no-auth und ${variables.join(', ')} schließen sich aus. Eines von beiden entfernen.`
      : `--no-auth and ${variables.join(', ')} contradict each other. Remove one of them.`;
  }
  if (variables.length > 0) {
    return {
      ...(settings.tokensFile ? { tokensFile: settings.tokensFile } : {}),
      ...(settings.usersFile ? { usersFile: settings.usersFile } : {}),
      ...(settings.oidc ? { oidc: settings.oidc } : {}),
      sessions: settings.sessions,
    };
  }
  if (!authEnabled) {
    return { disabled: true };
  }
  return language === 'de'
    ? 'Keine Anmeldung konfiguriert: AURORA_API_TOKENS_FILE (API-Tokens, aurora token create), AURORA_USERS_FILE (Benutzer mit Passwort, aurora user add) oder die Variablen AURORA_OIDC_* (OpenID Connect) setzen, oder ausdrücklich --no-auth angeben.'
    : 'No sign-in configured: set AURORA_API_TOKENS_FILE (API tokens, aurora token create), AURORA_USERS_FILE (users with a password, aurora user add) or the AURORA_OIDC_* variables (OpenID Connect), or pass --no-auth explicitly.';
}
