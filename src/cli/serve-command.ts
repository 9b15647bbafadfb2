import { chooseServerAuth, describeAuthSources, readAuthSettings, type AuthSettings } from '../api/auth/auth-settings.js';
import { AuthSettingError } from '../api/auth/oidc-settings.js';
import { TokensFileError } from '../api/auth/tokens-file.js';
import { UsersFileError } from '../api/auth/users-file.js';
import { buildServer } from '../api/server.js';
import { DEFAULT_RATE_LIMIT, type RateLimitOptions } from '../api/security.js';
import { loadConfig } from '../config/load-config.js';
import { EXIT_CODES } from '../errors/catalog.js';
import type { Language } from '../i18n/language.js';

export interface ServeCommandOptions {
  config: string;
  port: number;
  host: string;
  /** false with `--no-auth`: serve without tokens. */
  auth: boolean;
  language: Language;
  env?: NodeJS.ProcessEnv;
}

/** A setting from the environment that is not valid, with the value and what was expected. */
class ServeSettingError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly expected: { de: string; en: string },
  ) {
    super(`${variable}=${value}: expected ${expected.en}`);
  }
}

/** The server settings that come from environment variables; see docs/api.md. */
export interface ServeSettings {
  allowedOrigins: string[];
  rateLimit: RateLimitOptions;
  /** AURORA_TRUST_PROXY: proxies whose X-Forwarded-For names the client; false trusts none. */
  trustProxy: boolean | number | string[];
  /** AURORA_API_TOKENS_FILE: the JSON or YAML file with the accepted API tokens. */
  tokensFile?: string;
}

/**
 * Reads AURORA_CORS_ORIGINS, AURORA_RATE_LIMIT_MAX, AURORA_RATE_LIMIT_USER_MAX,
 * AURORA_RATE_LIMIT_WINDOW_MS, AURORA_TRUST_PROXY, REDIS_URL and AURORA_API_TOKENS_FILE.
 */
export function readServeSettings(env: NodeJS.ProcessEnv): ServeSettings {
  const allowedOrigins = (env.AURORA_CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ServeSettingError('AURORA_CORS_ORIGINS', origin, {
        de: 'Origins der Form https://host[:port] ohne Pfad, durch Kommas getrennt',
        en: 'origins of the form https://host[:port] without a path, separated by commas',
      });
    }
  }

  const rateLimit: RateLimitOptions = {
    max: readPositiveInteger(env, 'AURORA_RATE_LIMIT_MAX', DEFAULT_RATE_LIMIT.max),
    userMax: readPositiveInteger(env, 'AURORA_RATE_LIMIT_USER_MAX', DEFAULT_RATE_LIMIT.userMax),
    timeWindowMs: readPositiveInteger(env, 'AURORA_RATE_LIMIT_WINDOW_MS', DEFAULT_RATE_LIMIT.timeWindowMs),
  };
  if (env.REDIS_URL) {
    rateLimit.redisUrl = env.REDIS_URL;
  }
  const settings: ServeSettings = { allowedOrigins, rateLimit, trustProxy: readTrustProxy(env) };
  if (env.AURORA_API_TOKENS_FILE) {
    settings.tokensFile = env.AURORA_API_TOKENS_FILE;
  }
  return settings;
}

/**
 * AURORA_TRUST_PROXY: unset or `false` trusts no proxy, a whole number trusts that many hops
 * (1 behind one ingress), anything else is a comma-separated list of addresses and CIDR ranges.
 */
function readTrustProxy(env: NodeJS.ProcessEnv): boolean | number | string[] {
  const value = (env.AURORA_TRUST_PROXY ?? '').trim();
  if (value === '' || value === 'false') {
    return false;
  }
  if (/^\d+$/.test(value)) {
    return Number(value);
  }
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    if (!/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(entry)) {
      throw new ServeSettingError('AURORA_TRUST_PROXY', value, {
        de: 'false, eine Anzahl Proxy-Hops oder IP-Adressen und CIDR-Bereiche, durch Kommas getrennt',
        en: 'false, a number of proxy hops, or IP addresses and CIDR ranges separated by commas',
      });
    }
  }
  return entries;
}

function readPositiveInteger(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const value = env[variable];
  if (value === undefined || value === '') {
    return fallback;
  }
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new ServeSettingError(variable, value, { de: 'eine ganze Zahl ab 1', en: 'a whole number of at least 1' });
  }
  return Number(value);
}

/**
 * `aurora serve`: serves the lake of one aurora.yaml over HTTP until SIGINT or SIGTERM.
 * Returns the process exit code.
 */
export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  const config = loadConfig(options.config, options.env);

  let settings: ServeSettings;
  try {
    settings = readServeSettings(options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof ServeSettingError)) {
      throw error;
    }
    const message =
      options.language === 'de'
        ? `Ungültiger Wert ${error.value} in ${error.variable}: erwartet wird ${error.expected.de}.`
        : `Invalid value ${error.value} in ${error.variable}: expected ${error.expected.en}.`;
    process.stderr.write(`${message}\n`);
    return EXIT_CODES.configuration;
  }

  let authSettings: AuthSettings;
  try {
    authSettings = readAuthSettings(options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof AuthSettingError)) {
      throw error;
    }
    process.stderr.write(`${error.render(options.language)}\n`);
    return EXIT_CODES.configuration;
  }

  const auth = chooseServerAuth(authSettings, options.auth, options.language);
  if (typeof auth === 'string') {
    process.stderr.write(`${auth}\n`);
    return EXIT_CODES.configuration;
  }

  let server: Awaited<ReturnType<typeof buildServer>>;
  try {
    server = await buildServer({ config, auth, allowedOrigins: settings.allowedOrigins, rateLimit: settings.rateLimit, trustProxy: settings.trustProxy, logger: true });
  } catch (error) {
    if (!(error instanceof TokensFileError) && !(error instanceof UsersFileError)) {
      throw error;
    }
    process.stderr.write(`${error.render(options.language)}\n`);
    return EXIT_CODES.configuration;
  }

  const address = await server.listen({ host: options.host, port: options.port });
  server.log.info(
    {
      address,
      lake: config.lake,
      authentication: 'disabled' in auth ? 'disabled' : describeAuthSources(authSettings),
      sessionStore: authSettings.sessions.redisUrl === undefined ? 'memory' : 'redis',
      allowedOrigins: settings.allowedOrigins,
      rateLimitMax: settings.rateLimit.max,
      rateLimitUserMax: settings.rateLimit.userMax,
      trustProxy: settings.trustProxy,
      rateLimitWindowMs: settings.rateLimit.timeWindowMs,
      redis: settings.rateLimit.redisUrl !== undefined,
    },
    'aurora serve started',
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      server.log.info({ signal }, 'aurora serve stopping');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

