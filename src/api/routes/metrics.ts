import type { FastifyError, FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

import { isAuroraError } from '../../errors/aurora-error.js';
import type { LakeLayout } from '../../lake/lake-layout.js';
import { ApiError } from '../api-error.js';
import { registerLakeGauges } from '../lake-metrics.js';

/** The route label for requests that matched no route, so unknown paths cannot grow the label set. */
const UNMATCHED_ROUTE = 'unmatched';

/** Upper bounds in seconds; the p99 goal of 100 ms falls between two buckets' edges. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * `/metrics` in the Prometheus text format. Each server has its own registry, so two servers
 * in one process (as in tests) do not share counters; buildServer creates it and passes it.
 */
export async function registerMetricsRoutes(server: FastifyInstance, options: { layout: LakeLayout; registry: Registry }): Promise<void> {
  const registry = options.registry;
  // Process CPU, memory, heap and event loop lag: the signals an autoscaler and its alerts need.
  collectDefaultMetrics({ register: registry, prefix: 'aurora_' });
  registerHttpMetrics(server, registry);
  registerLakeGauges(registry, options.layout);

  server.get('/metrics', { config: { rateLimit: false } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}

function registerHttpMetrics(server: FastifyInstance, registry: Registry): void {
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({ name: 'aurora_http_requests_total', help: 'HTTP responses sent, by route template, method and status.', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'aurora_http_request_duration_seconds',
    help: 'Time from receiving a request to sending the response, in seconds.',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'aurora_http_errors_total',
    help: 'Error responses by error code (the `code` of the response body) and status; 5xx are server-side failures.',
    labelNames: ['code', 'status_code'],
    registers: [registry],
  });

  // onError receives the error before the error handler has set the status, so the code is
  // kept until onResponse, which has the status that was sent.
  const errorCodes = new WeakMap<object, string>();
  server.addHook('onError', async (request, _reply, error) => {
    errorCodes.set(request, errorCodeOf(error));
  });

  server.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);

    const code = errorCodes.get(request);
    if (code !== undefined) {
      errors.inc({ code, status_code: labels.status_code });
    }
  });
}

/** The code that the error handler puts into the response body for this error (see error-handler.ts). */
function errorCodeOf(error: FastifyError | Error): string {
  if (error instanceof ApiError || isAuroraError(error)) {
    return error.code;
  }
  const statusCode = (error as FastifyError).statusCode;
  if (statusCode === 413) {
    return 'PAYLOAD_TOO_LARGE';
  }
  return statusCode !== undefined && statusCode >= 400 && statusCode < 500 ? 'BAD_REQUEST' : 'INTERNAL';
}
