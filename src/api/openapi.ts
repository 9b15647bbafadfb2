import { readFileSync } from 'node:fs';

import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Path of the OpenAPI document. */
export const OPENAPI_PATH = '/api/docs';

/**
 * Registers @fastify/swagger, which collects every route registered after this call. Call it
 * before the routes and serveOpenApiDocument after them.
 */
export async function registerOpenApi(server: FastifyInstance): Promise<void> {
  await server.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Aurora API',
        version: PACKAGE_VERSION,
        description: 'Read-only HTTP API over the lake of one Aurora deployment. Error bodies are {"error":{"code","message","errorId"}}; messages are German unless Accept-Language prefers English.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'API token from aurora token create; docs/api.md lists the roles per endpoint.' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'aurora_session', description: 'Browser session from POST /auth/login or the OpenID Connect sign-in.' },
        },
      },
      tags: [
        { name: 'runs', description: 'Run history, quality reports and freshness' },
        { name: 'gold', description: 'Gold models of the published snapshot' },
        { name: 'orders', description: 'Rows of the orders table that aurora.yaml names under api.orders' },
        { name: 'exports', description: 'CSV and XLSX files of the KPI and order rows' },
        { name: 'auth', description: 'Sign-in, sign-out and the signed-in principal' },
      ],
    },
  });
}

/** Serves the OpenAPI 3 document as JSON. The document does not list its own route. */
export function serveOpenApiDocument(server: FastifyInstance): void {
  server.get(OPENAPI_PATH, { schema: { hide: true } }, async () => server.swagger());
}
