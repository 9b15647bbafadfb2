import { randomUUID } from 'node:crypto';

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { isAuroraError } from '../errors/aurora-error.js';
import { ApiError } from './api-error.js';
import { requestLanguage } from './request-language.js';

/** The body of every error response. Stacks and file paths never go into it. */
export interface ErrorBody {
  error: { code: string; message: string; errorId: string };
}

/**
 * Installs the error and not-found handlers. Every error gets an errorId that is both in the
 * response and in the log line, so an operator can find the stack from a user's report.
 */
export function installErrorHandlers(server: FastifyInstance, bodyLimitBytes: number): void {
  server.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    const errorId = randomUUID();
    const { status, code, message } = describeForClient(error, request, errorId, bodyLimitBytes);

    if (status >= 500) {
      request.log.error({ err: error, errorId, code }, 'request failed');
    } else {
      // Client errors are expected (bad ids, rate limit), so they stay at info without a stack.
      request.log.info({ errorId, code, detail: error.message }, 'request rejected');
    }
    return sendError(reply, status, { error: { code, message, errorId } });
  });

  server.setNotFoundHandler(async (request, reply) => {
    const errorId = randomUUID();
    const error = new ApiError('ROUTE_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] ?? '' });
    request.log.info({ errorId, code: error.code }, 'route not found');
    return sendError(reply, 404, { error: { code: error.code, message: error.render(requestLanguage(request)), errorId } });
  });
}

function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

function describeForClient(
  error: FastifyError | Error,
  request: FastifyRequest,
  errorId: string,
  bodyLimitBytes: number,
): { status: number; code: string; message: string } {
  const language = requestLanguage(request);

  if (error instanceof ApiError) {
    return { status: error.statusCode, code: error.code, message: error.render(language) };
  }
  if (isAuroraError(error)) {
    return { status: error.httpStatus, code: error.code, message: error.render(language) };
  }

  // Fastify's own client errors (bad JSON, unsupported media type, body too large) carry a
  // 4xx statusCode and a message without internals.
  const statusCode = (error as FastifyError).statusCode;
  if (statusCode === 413) {
    const tooLarge = new ApiError('PAYLOAD_TOO_LARGE', { limitBytes: bodyLimitBytes });
    return { status: 413, code: tooLarge.code, message: tooLarge.render(language) };
  }
  // Fastify's JSON parser rejects prototype keys with the same error as broken JSON.
  if ((error as FastifyError).code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error as FastifyError).code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    const invalidJson = new ApiError('INVALID_JSON_BODY', {});
    return { status: 400, code: invalidJson.code, message: invalidJson.render(language) };
  }
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    const badRequest = new ApiError('BAD_REQUEST', { detail: error.message });
    return { status: statusCode, code: badRequest.code, message: badRequest.render(language) };
  }

  const internal = new ApiError('INTERNAL', { errorId });
  return { status: 500, code: internal.code, message: internal.render(language) };
}
