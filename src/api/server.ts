import { randomUUID } from 'node:crypto';

import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';

import type { AuroraConfig } from '../config/types.js';
import { LakeLayout } from '../lake/lake-layout.js';
import { registerAuthentication } from './auth/authenticate.js';
import { loadTokensFile, type ApiToken } from './auth/tokens-file.js';
import { installErrorHandlers } from './error-handler.js';
import { createGoldDuckdb } from './gold-models.js';
import { registerOpenApi, serveOpenApiDocument } from './openapi.js';
import { registerFreshnessRoutes } from './routes/freshness.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerKpiRoutes } from './routes/kpis.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerModelRoutes } from './routes/models.js';
import { registerQualityRoutes } from './routes/quality.js';
import { registerRunRoutes } from './routes/runs.js';
import { DEFAULT_RATE_LIMIT, registerSecurity, type RateLimitOptions } from './security.js';

/** Request bodies above 1 MiB are rejected with 413; the API has no endpoint that needs more. */
export const BODY_LIMIT_BYTES = 1_048_576;

/**
 * Source of the accepted /api/v1 tokens: a list given directly (tests), a tokens file
 * (AURORA_API_TOKENS_FILE), or none at all, which `aurora serve --no-auth` selects.
 */
export type ServerAuth = { tokens: readonly ApiToken[] } | { tokensFile: string } | { disabled: true };

export interface ServerOptions {
  config: AuroraConfig;
  /** Required, so that turning authentication off is always an explicit choice. */
  auth: ServerAuth;
  /** Origins that get CORS headers, for example `https://dashboard.example`. Default: none. */
  allowedOrigins?: string[];
  rateLimit?: RateLimitOptions;
  /** true: log JSON lines to stdout at level info. Default false. */
  logger?: boolean;
  /** Destination of the log lines in place of stdout, for tests; setting it turns logging on. */
  logStream?: NodeJS.WritableStream;
}

/**
 * Builds the read-only HTTP API over the lake of `config`. The server is ready to inject
 * requests into or to listen. Throws TokensFileError when `auth.tokensFile` is unreadable or
 * invalid. Closing it also closes the Redis connection of the rate limit and
 * the DuckDB instance of the gold endpoints.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const layout = new LakeLayout(options.config.lake);
  const tokens = resolveTokens(options.auth);
  const logging = options.logStream !== undefined || options.logger === true;

  const server = Fastify({
    logger: logging
      ? {
          level: 'info',
          redact: ['req.headers.authorization', 'req.headers.cookie'],
          ...(options.logStream ? { stream: options.logStream } : {}),
        }
      : false,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    // A client-chosen request id could forge log lines of another request, so it is ignored.
    requestIdHeader: false,
  });

  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  installErrorHandlers(server, BODY_LIMIT_BYTES);
  await registerSecurity(server, { allowedOrigins: options.allowedOrigins ?? [], rateLimit: options.rateLimit ?? DEFAULT_RATE_LIMIT });

  // Before registerOpenApi, so that the OpenAPI document contains the security requirement
  // that the authentication's onRoute hook adds to each protected route.
  const registry = new Registry();
  if (tokens === undefined) {
    server.log.warn('authentication is disabled (--no-auth): every client that can connect reads all endpoints');
  } else {
    registerAuthentication(server, { tokens, registry });
  }

  await registerOpenApi(server);

  const routeOptions = { layout };
  await registerMetricsRoutes(server, { ...routeOptions, registry });
  await registerHealthRoutes(server, routeOptions);
  await registerRunRoutes(server, routeOptions);
  await registerQualityRoutes(server, routeOptions);
  await registerFreshnessRoutes(server, routeOptions);

  const goldSource = { layout, modelsFolder: options.config.models, duckdb: await createGoldDuckdb(server) };
  await registerModelRoutes(server, goldSource);
  await registerKpiRoutes(server, goldSource);
  serveOpenApiDocument(server);

  await server.ready();
  return server;
}

/** Returns the accepted tokens, or undefined when authentication is disabled. */
function resolveTokens(auth: ServerAuth | undefined): readonly ApiToken[] | undefined {
  if (auth === undefined) {
    // The type requires auth; this guards JavaScript callers and casts.
    throw new Error('buildServer needs the auth option: tokens, tokensFile, or disabled: true.');
  }
  if ('disabled' in auth) {
    return undefined;
  }
  return 'tokensFile' in auth ? loadTokensFile(auth.tokensFile) : auth.tokens;
}
