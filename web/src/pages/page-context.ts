import type { Me, Role } from '../api/types.js';

/** Input of every page: the signed-in user (null when the server runs without sign-in) and the hash parameters. */
export interface PageContext {
  me: Me | null;
  params: URLSearchParams;
}

/** Roles that may use each part of the dashboard, as the API's route roles allow them. */
const PAGE_ROLES = {
  kpis: ['viewer', 'controller', 'data_engineer', 'admin'],
  orders: ['controller', 'admin'],
  exports: ['controller', 'admin'],
  quality: ['data_engineer', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

/** Returns true when the user may use the part; without sign-in every part is shown and the API decides. */
export function mayUse(me: Me | null, part: keyof typeof PAGE_ROLES): boolean {
  return me === null || (PAGE_ROLES[part] as readonly Role[]).includes(me.role);
}
