import { ROLES, type Role } from './route-roles.js';

/**
 * Maps the values of the role claim to one Aurora role. A principal has exactly one role, so
 * when several values map, the role that comes last in ROLES wins (admin over data_engineer over
 * controller over viewer). Returns the claim's values instead when none of them maps, and a user
 * without a mapped role never gets a default one.
 */
export function mapClaimToRole(claimValue: unknown, roleMap: ReadonlyMap<string, Role>): { role: Role } | { values: string[] } {
  const values = claimValues(claimValue);
  const mapped = values.map((value) => roleMap.get(value)).filter((role): role is Role => role !== undefined);
  if (mapped.length === 0) {
    return { values };
  }
  const role = mapped.reduce((best, candidate) => (ROLES.indexOf(candidate) > ROLES.indexOf(best) ? candidate : best));
  return { role };
}

/** Entra ID sends `roles` as an array of strings; other providers send one string or a space-separated list. */
function claimValues(claimValue: unknown): string[] {
  if (typeof claimValue === 'string') {
    return claimValue.split(/\s+/).filter((value) => value !== '');
  }
  if (Array.isArray(claimValue)) {
    return claimValue.filter((value): value is string => typeof value === 'string');
  }
  return [];
}
