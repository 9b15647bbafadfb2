import { randomUUID } from 'node:crypto';

import type { FastifyReply, FastifyRequest } from 'fastify';

import type { ApiError } from '../api-error.js';
import { requestLanguage } from '../request-language.js';

/**
 * Returns true when the client prefers HTML to JSON. Browsers reach the OpenID Connect callback
 * by navigation, so only a request whose Accept header lists JSON before HTML gets JSON.
 */
export function prefersHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  if (json >= 0 && (html < 0 || json < html)) {
    return false;
  }
  return true;
}

/**
 * Sends a sign-in error as a small HTML page in the request's language, with the error id that
 * the log line carries too. The page has no script or style, so it works under the API's
 * Content-Security-Policy.
 */
export function sendSignInErrorPage(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  const language = requestLanguage(request);
  const errorId = randomUUID();
  request.log.info({ errorId, code: error.code }, 'sign-in rejected');

  const text =
    language === 'de'
      ? { title: 'Anmeldung fehlgeschlagen', retry: 'Erneut anmelden', errorId: 'Fehler-ID' }
      : { title: 'Sign-in failed', retry: 'Sign in again', errorId: 'Error id' };
  const html = [
    '<!doctype html>',
    `<html lang="${language}">`,
    `<head><meta charset="utf-8"><title>${text.title} – Aurora</title></head>`,
    '<body>',
    `<h1>${text.title}</h1>`,
    `<p>${escapeHtml(error.render(language))}</p>`,
    `<p>${text.errorId}: ${errorId} (${escapeHtml(error.code)})</p>`,
    `<p><a href="/">${text.retry}</a></p>`,
    '</body>',
    '</html>',
  ].join('\n');
  return reply.code(error.statusCode).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}
