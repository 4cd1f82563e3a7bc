import { Injectable } from '@nestjs/common';

/** One thing `GET /api/health` reports on, added by the module that owns it. */
export interface HealthCheck {
  /** Its key under `checks` (`database`, `delivery`). */
  name: string;
  /**
   * Whether the service cannot serve without it: a critical check that fails makes `/api/health` and
   * `/api/health/ready` answer 503. Only critical checks run for readiness, which should stay cheap.
   */
  critical: boolean;
  /** What `checks[name]` shows: `'ok'` for a plain probe, or figures. Rejecting, or no answer within 2 s: `'down'` for a critical check, null for figures. */
  check(): Promise<unknown>;
}

/**
 * The checks of the health routes. The database and the hold store are added by the health module;
 * another module adds its own in `onModuleInit` (import HealthModule, inject HealthChecks).
 */
@Injectable()
export class HealthChecks {
  private readonly checks: HealthCheck[] = [];

  add(check: HealthCheck): void {
    if (this.checks.some((existing) => existing.name === check.name)) throw new Error(`A health check named ${check.name} exists already`);
    this.checks.push(check);
  }

  /** In the order they were added. */
  list(criticalOnly: boolean): readonly HealthCheck[] {
    return criticalOnly ? this.checks.filter((check) => check.critical) : this.checks;
  }
}
