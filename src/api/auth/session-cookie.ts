import type { FastifyReply, FastifyRequest } from 'fastify';

import { SESSION_COOKIE } from './sessions.js';

/**
 * Returns true when the client reached the server over https. Fastify takes the scheme from
 * X-Forwarded-Proto only when the server trusts the proxy (AURORA_TRUST_PROXY). Without that
 * trust a client could claim https itself, so the scheme is that of the server's own socket.
 */
export function cameOverHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, sessionId: string, maxAgeMs: number): void {
  reply.setCookie(SESSION_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: cameOverHttps(request),
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure: cameOverHttps(request) });
}
