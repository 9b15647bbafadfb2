import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The built dashboard (`vite build` output). The path is right for src/api under tsx and for
 * dist/api after `npm run build`, because both folders sit two levels below the package root.
 */
export const DEFAULT_DASHBOARD_FOLDER = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Hashed file names change with their content, so a year of caching never serves a stale file. */
const ASSET_MAX_AGE = '365d';

/**
 * Serves the dashboard: `/` returns index.html (revalidated on every load, so a new build is
 * picked up at once) and `/assets/*` the hashed scripts and styles with a long cache lifetime.
 * Both routes are open, because the files contain no data; the data comes from /api/v1 with the
 * user's session or token. Without a built dashboard in `folder` nothing is registered and the
 * server logs a warning. The page needs no inline script or style, so the Content-Security-Policy
 * of security.ts (scripts, styles and API calls from the same origin only) applies unchanged.
 */
export async function registerDashboard(server: FastifyInstance, folder: string = DEFAULT_DASHBOARD_FOLDER): Promise<void> {
  if (!existsSync(path.join(folder, 'index.html'))) {
    server.log.warn({ folder }, 'dashboard not served: index.html is missing; run npm run build');
    return;
  }

  await server.register(fastifyStatic, { root: folder, serve: false });

  // Static files cost no query, so they do not use up the client's rate limit for /api/v1.
  const routeConfig = { config: { rateLimit: false }, schema: { hide: true } } as const;

  server.get('/', routeConfig, async (_request, reply) => {
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', folder, { maxAge: 0, cacheControl: false });
  });

  server.get<{ Params: { '*': string } }>('/assets/*', routeConfig, async (request, reply) => {
    return reply.sendFile(request.params['*'], path.join(folder, 'assets'), { maxAge: ASSET_MAX_AGE, immutable: true });
  });
}
