import type { FastifyRequest } from 'fastify';

/**
 * The query of the OpenID Connect callback carries the authorization code and state, which must
 * not reach the logs, so its log entries show the path only.
 */
const PATHS_WITH_SECRET_QUERY = ['/auth/oidc/callback'];

export function redactUrlForLog(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) {
    return url;
  }
  const path = url.slice(0, queryStart);
  return PATHS_WITH_SECRET_QUERY.some((secretPath) => path === secretPath || path.endsWith(secretPath)) ? `${path}?[redacted]` : url;
}

/** Fastify's default `req` log serializer (fastify 5 lib/logger-pino.js), with redactUrlForLog applied to the URL. */
export function serializeRequestForLog(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrlForLog(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
