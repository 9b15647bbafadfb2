import { AsyncLocalStorage } from 'node:async_hooks';

import type { FastifyInstance } from 'fastify';
import { symbols, type Logger } from 'pino';

const requestIds = new AsyncLocalStorage<string>();

/**
 * Runs the rest of each request (later hooks, handler, error handler) inside an async context
 * that contains its id. Register it before every other onRequest hook, so they run inside it too.
 */
export function registerRequestLogContext(server: FastifyInstance): void {
  server.addHook('onRequest', (request, _reply, done) => {
    requestIds.run(request.id, done);
  });
}

/**
 * Pino mixin that adds `reqId` to lines logged during a request through a logger that is not
 * the request's own (server.log, a module's logger). request.log already binds `reqId`, and a
 * second copy would give the JSON line a duplicate key.
 */
export function requestIdMixin(_mergeObject: object, _level: number, logger: Logger): object {
  const reqId = requestIds.getStore();
  if (reqId === undefined || boundText(logger).includes('"reqId":')) {
    return {};
  }
  return { reqId };
}

/**
 * Returns the logger's bindings as pino keeps them, the JSON text it appends to each line.
 * Searching it costs less than logger.bindings(), which parses that text on every line.
 */
function boundText(logger: Logger): string {
  const text = (logger as unknown as Record<symbol, unknown>)[symbols.chindingsSym];
  return typeof text === 'string' ? text : JSON.stringify(logger.bindings());
}
