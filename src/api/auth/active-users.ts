import { createHash } from 'node:crypto';

import type { FastifyBaseLogger } from 'fastify';
import { Gauge, type Registry } from 'prom-client';

import type { AuthStore } from './auth-store.js';
import type { Principal } from './principal.js';

/** A principal counts as active for this long after its last authenticated request. */
export const ACTIVE_WINDOW_MS = 5 * 60_000;

/**
 * Each process writes a principal's activity at most this often, so a busy dashboard does not
 * write to Redis with every request. The count can therefore lag by up to this much.
 */
const REPORT_INTERVAL_MS = 30_000;
/** Bound of the per-process map of last reports; beyond it, old entries are dropped. */
const MAX_TRACKED_PRINCIPALS = 10_000;
const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Distinct principals seen in the last five minutes, for the gauge aurora_active_users. With
 * Redis the set is shared, so every server process reports the count across all of them.
 */
export class ActiveUsers {
  private readonly lastReported = new Map<string, number>();
  private lastErrorLoggedAt = 0;

  constructor(
    private readonly store: AuthStore,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records activity without awaiting the store. A failed write is logged at most once a minute. */
  record(principal: Principal): void {
    const now = this.now();
    const last = this.lastReported.get(principal.id);
    if (last !== undefined && now - last < REPORT_INTERVAL_MS) {
      return;
    }
    this.lastReported.set(principal.id, now);
    this.forgetOldReports(now);

    // The store gets a hash, so Redis does not hold user names.
    const member = createHash('sha256').update(principal.id, 'utf8').digest('hex').slice(0, 32);
    this.store.markActive(member, now).catch((error: unknown) => this.logError(error, 'recording an active user failed'));
  }

  registerGauge(registry: Registry): void {
    // collect() runs with the gauge as `this`, so it reaches the store through these closures.
    const countActive = () => this.store.countActive(this.now() - ACTIVE_WINDOW_MS);
    const logError = (error: unknown) => this.logError(error, 'counting active users failed');
    new Gauge({
      name: 'aurora_active_users',
      help: 'Distinct principals (tokens, users) with an authenticated request in the last 5 minutes, across all server processes that share Redis.',
      registers: [registry],
      async collect() {
        try {
          this.set(await countActive());
        } catch (error) {
          logError(error);
        }
      },
    });
  }

  private forgetOldReports(now: number): void {
    if (this.lastReported.size <= MAX_TRACKED_PRINCIPALS) {
      return;
    }
    for (const [id, reportedAt] of this.lastReported) {
      if (now - reportedAt >= REPORT_INTERVAL_MS || this.lastReported.size > MAX_TRACKED_PRINCIPALS) {
        this.lastReported.delete(id);
      }
    }
  }

  private logError(error: unknown, message: string): void {
    const now = this.now();
    if (now - this.lastErrorLoggedAt >= ERROR_LOG_INTERVAL_MS) {
      this.lastErrorLoggedAt = now;
      this.log.warn({ err: error }, message);
    }
  }
}
