/** Roles a token can have, from least to most access. */
export const ROLES = ['viewer', 'controller', 'data_engineer', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Routes that need no token. Kubernetes probes call /healthz and /readyz, Prometheus scrapes
 * /metrics from inside the cluster, and /api/docs only describes the API.
 */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics', '/api/docs']);

const KPI_READERS: readonly Role[] = ['viewer', 'controller', 'data_engineer', 'admin'];
const RUN_READERS: readonly Role[] = ['data_engineer', 'admin'];

/**
 * The roles allowed on each /api/v1 route template, for GET and HEAD. controller has the same
 * routes as viewer until the export endpoints exist. Every route that is not in OPEN_ROUTES
 * must be listed here, because registerAuthentication rejects an unlisted route at startup.
 */
export const ROUTE_ROLES: Readonly<Record<string, readonly Role[]>> = {
  '/api/v1/runs': RUN_READERS,
  '/api/v1/runs/:runId': RUN_READERS,
  '/api/v1/quality/:runId': RUN_READERS,
  '/api/v1/freshness': RUN_READERS,
  '/api/v1/models': KPI_READERS,
  '/api/v1/kpis/:model': KPI_READERS,
};

/** Returns the roles allowed on a route template, 'open' for OPEN_ROUTES, undefined when unlisted. */
export function rolesForRoute(url: string): readonly Role[] | 'open' | undefined {
  if (OPEN_ROUTES.has(url)) {
    return 'open';
  }
  return Object.hasOwn(ROUTE_ROLES, url) ? ROUTE_ROLES[url] : undefined;
}
