import { randomUUID } from 'node:crypto';

import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';

import type { AuroraConfig } from '../config/types.js';
import { LakeLayout } from '../lake/lake-layout.js';
import { serializeRequestForLog } from './auth/log-redaction.js';
import { registerAuth, resolveAuth, type ServerAuth } from './auth/register-auth.js';
import { installErrorHandlers } from './error-handler.js';
import { createGoldDuckdb } from './gold-models.js';
import { registerOpenApi, serveOpenApiDocument } from './openapi.js';
import { registerWholeNumberCheck } from './query-validation.js';
import { registerFreshnessRoutes } from './routes/freshness.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerKpiTotalsRoutes } from './routes/kpi-totals.js';
import { registerKpiRoutes } from './routes/kpis.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerModelRoutes } from './routes/models.js';
import { registerOrderRoutes } from './routes/orders.js';
import { registerQuarantineRoutes } from './routes/quarantine.js';
import { registerExportRoutes } from './routes/exports.js';
import { DEFAULT_EXPORT_MAX_ROWS } from '../config/api-config.js';
import { registerQualityRoutes } from './routes/quality.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerRequestLogContext, requestIdMixin } from './request-log-context.js';
import { registerSharedRowsSerializer } from './shared-rows-json.js';
import { DEFAULT_RATE_LIMIT, registerSecurity, type RateLimitOptions } from './security.js';
import { registerDashboard } from './static-dashboard.js';

/** Request bodies above 1 MiB are rejected with 413; the API has no endpoint that needs more. */
export const BODY_LIMIT_BYTES = 1_048_576;

export type { ServerAuth } from './auth/register-auth.js';

export interface ServerOptions {
  config: AuroraConfig;
  /** Required, so that turning authentication off is always an explicit choice. */
  auth: ServerAuth;
  /** Origins that get CORS headers, for example `https://dashboard.example`. Default: none. */
  allowedOrigins?: string[];
  rateLimit?: RateLimitOptions;
  /**
   * Origins besides the server's own that a form may submit to (CSP form-action), such as the
   * OpenID provider's origin when a login form's response redirects there. Default: none.
   */
  formActionOrigins?: string[];
  /**
   * Fastify's trustProxy: which proxies' X-Forwarded-For to believe, so that the rate limit
   * sees the client's address and not the ingress's. For example 1 (one hop) or `10.0.0.0/8`.
   * Default false: the socket's peer address counts.
   */
  trustProxy?: boolean | number | string | string[];
  /** true: log JSON lines to stdout at level info. Default false. */
  logger?: boolean;
  /** Destination of the log lines in place of stdout, for tests; setting it turns logging on. */
  logStream?: NodeJS.WritableStream;
  /** Folder of the built dashboard (index.html and assets/). Default: dist/web of this package. */
  dashboardFolder?: string;
}

/**
 * Builds the read-only HTTP API over the lake of `config`. The server is ready to inject
 * requests into or to listen. Throws TokensFileError or UsersFileError when `auth.tokensFile`
 * or `auth.usersFile` is unreadable or invalid. Closing it also closes the Redis connections of
 * the rate limit and the session store and the DuckDB instance of the gold endpoints.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const layout = new LakeLayout(options.config.lake);
  const auth = resolveAuth(options.auth);
  const logging = options.logStream !== undefined || options.logger === true;

  const server = Fastify({
    logger: logging
      ? {
          level: 'info',
          redact: ['req.headers.authorization', 'req.headers.cookie'],
          serializers: { req: serializeRequestForLog },
          mixin: requestIdMixin,
          ...(options.logStream ? { stream: options.logStream } : {}),
        }
      : false,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    // A client-chosen request id could forge log lines of another request, so it is ignored.
    requestIdHeader: false,
    trustProxy: fastifyTrustProxy(options.trustProxy),
  });

  registerRequestLogContext(server);
  registerSharedRowsSerializer(server);
  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  installErrorHandlers(server, BODY_LIMIT_BYTES);
  registerWholeNumberCheck(server);
  const registry = new Registry();
  await registerSecurity(server, {
    allowedOrigins: options.allowedOrigins ?? [],
    // A login form whose response redirects to the OpenID provider needs its origin in form-action.
    formActionOrigins: [...(options.formActionOrigins ?? []), ...('oidc' in auth && auth.oidc ? [auth.oidc.issuer.origin] : [])],
    rateLimit: options.rateLimit ?? DEFAULT_RATE_LIMIT,
    registry,
  });

  // Before registerOpenApi, so that the OpenAPI document contains the security requirement
  // that the authentication's onRoute hook adds to each protected route.
  const authentication = await registerAuth(server, auth, registry);

  await registerOpenApi(server);
  await authentication.registerRoutes();

  const routeOptions = { layout };
  await registerMetricsRoutes(server, { ...routeOptions, registry });
  await registerHealthRoutes(server, routeOptions);
  await registerRunRoutes(server, routeOptions);
  await registerQualityRoutes(server, routeOptions);
  await registerFreshnessRoutes(server, routeOptions);

  const goldSource = { layout, modelsFolder: options.config.models, duckdb: await createGoldDuckdb(server) };
  await registerModelRoutes(server, goldSource);
  await registerKpiRoutes(server, goldSource);
  await registerKpiTotalsRoutes(server, goldSource);
  const ordersSource = { layout, config: options.config.api?.orders, duckdb: goldSource.duckdb };
  await registerOrderRoutes(server, ordersSource);
  await registerQuarantineRoutes(server, goldSource);
  await registerExportRoutes(server, { gold: goldSource, orders: ordersSource, registry, maxRows: options.config.api?.exportMaxRows ?? DEFAULT_EXPORT_MAX_ROWS });
  await registerDashboard(server, options.dashboardFolder);
  serveOpenApiDocument(server);

  await server.ready();
  return server;
}

/** Fastify's types take no hop count, so a number becomes the equivalent function. */
function fastifyTrustProxy(setting: ServerOptions['trustProxy']): boolean | string | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') {
    return (_address, hop) => hop < setting;
  }
  return setting ?? false;
}
