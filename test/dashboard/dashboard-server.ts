import type { FastifyInstance } from 'fastify';

import { buildServer, type ServerAuth } from '../../src/api/server.js';
import type { AuroraConfig } from '../../src/config/types.js';

export interface DashboardServer {
  server: FastifyInstance;
  /** `http://127.0.0.1:<port>`, the port picked by the system. */
  baseUrl: string;
  /** GETs an API path as the browser would, in the given language, and returns status and JSON body. */
  getJson<T>(path: string, language?: 'de' | 'en'): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/**
 * Starts the API with the dashboard build on 127.0.0.1, on `port` or else one chosen by the
 * system. OpenID Connect tests pass a port, because the redirect URI must be known before.
 */
export async function startDashboardServer(config: AuroraConfig, auth: ServerAuth, dashboardFolder: string, port = 0): Promise<DashboardServer> {
  // Page loads in the tests make many requests, more than the default of 100 a minute.
  const server = await buildServer({ config, auth, dashboardFolder, rateLimit: { max: 100_000, timeWindowMs: 60_000 } });
  const baseUrl = await server.listen({ host: '127.0.0.1', port });

  return {
    server,
    baseUrl,
    async getJson<T>(path: string, language: 'de' | 'en' = 'de') {
      const response = await fetch(`${baseUrl}${path}`, { headers: { 'accept-language': language } });
      return { status: response.status, body: (await response.json()) as T };
    },
    close: () => server.close(),
  };
}
