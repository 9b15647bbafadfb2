import { Counter, type Registry } from 'prom-client';

import type { SignInMethod } from './principal.js';

/** Reason of a failed browser sign-in, as the label values of aurora_sign_in_failures_total. */
export type SignInFailureReason =
  | 'invalid_credentials'
  | 'invalid_request'
  | 'provider_error'
  | 'state_mismatch'
  | 'expired_state'
  | 'code_rejected'
  | 'no_role'
  | 'unavailable';

/** Counters of browser sign-ins (local users and OpenID Connect); API tokens have aurora_auth_failures_total. */
export class SignInMetrics {
  private readonly succeeded: Counter<'method'>;
  private readonly failed: Counter<'method' | 'reason'>;

  constructor(registry: Registry) {
    this.succeeded = new Counter({ name: 'aurora_sign_ins_total', help: 'Browser sign-ins that created a session, by method (local, oidc).', labelNames: ['method'], registers: [registry] });
    this.failed = new Counter({
      name: 'aurora_sign_in_failures_total',
      help: 'Browser sign-ins that failed, by method (local, oidc) and reason.',
      labelNames: ['method', 'reason'],
      registers: [registry],
    });
  }

  recordSuccess(method: Exclude<SignInMethod, 'token'>): void {
    this.succeeded.inc({ method });
  }

  recordFailure(method: Exclude<SignInMethod, 'token'>, reason: SignInFailureReason): void {
    this.failed.inc({ method, reason });
  }
}
