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
export const OPEN_ROUTES: ReadonlySet<string> = new Set([
  '/healthz',
  '/readyz',
  '/metrics',
  '/api/docs',
  '/',
  '/assets/*',
  // Sign-in itself cannot require a sign-in; /auth/logout ends only the caller's own session.
  '/auth/methods',
  '/auth/login',
  '/auth/logout',
  '/auth/oidc/login',
  '/auth/oidc/callback',
]);

const KPI_READERS: readonly Role[] = ['viewer', 'controller', 'data_engineer', 'admin'];
const RUN_READERS: readonly Role[] = ['data_engineer', 'admin'];
/** Order rows and exports carry customer and amount details, so viewers only get the aggregated KPIs. */
const ORDER_READERS: readonly Role[] = ['controller', 'admin'];
/** Exports are files that leave the system, so only the roles that work with order rows get them. */
const EXPORT_READERS: readonly Role[] = ['controller', 'admin'];
/** Quarantined rows are raw source rows that may contain personal data. */
const QUARANTINE_READERS: readonly Role[] = ['data_engineer', 'admin'];

/**
 * The roles allowed on each /api/v1 route template, for GET and HEAD. Every route that is not
 * in OPEN_ROUTES must be listed here, because registerAuthentication rejects an unlisted route
 * at startup.
 */
export const ROUTE_ROLES: Readonly<Record<string, readonly Role[]>> = {
  '/api/v1/runs': RUN_READERS,
  // The run record's rule results contain sample keys and failing values, like the report.
  '/api/v1/runs/:runId': QUARANTINE_READERS,
  // The report's samples contain keys and failing values of quarantined rows.
  '/api/v1/quality/:runId': QUARANTINE_READERS,
  '/api/v1/freshness': RUN_READERS,
  '/api/v1/models': KPI_READERS,
  '/api/v1/kpis/:model': KPI_READERS,
  '/api/v1/me': KPI_READERS,
  '/api/v1/kpis/:model/totals': KPI_READERS,
  '/api/v1/orders': ORDER_READERS,
  '/api/v1/quality/:runId/quarantine': QUARANTINE_READERS,
  '/api/v1/exports/kpis/:model': EXPORT_READERS,
  '/api/v1/exports/orders': EXPORT_READERS,
};

/** Returns the roles allowed on a route template, 'open' for OPEN_ROUTES, undefined when unlisted. */
export function rolesForRoute(url: string): readonly Role[] | 'open' | undefined {
  if (OPEN_ROUTES.has(url)) {
    return 'open';
  }
  return Object.hasOwn(ROUTE_ROLES, url) ? ROUTE_ROLES[url] : undefined;
}
