import type { Role } from './route-roles.js';

/** Proof of identity a principal used: API token, OpenID Connect sign-in or local user. */
export type SignInMethod = 'token' | 'oidc' | 'local';

/** The caller of a protected request, set by the authentication check before the handler runs. */
export interface Principal {
  /** Stable across requests and server processes: `token:<name>`, `local:<name>` or `oidc:<sub>`. */
  id: string;
  /** Shown to people and written to logs: the token name, user name or the provider's display name. */
  name: string;
  role: Role;
  method: SignInMethod;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Undefined on open routes and when `aurora serve --no-auth` turned authentication off. */
    principal?: Principal;
  }
}
