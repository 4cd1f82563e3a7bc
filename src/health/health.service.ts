import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { AppError } from '../common/app-error';
import { HttpDrain } from '../common/http-drain';
import { withTimeout } from '../common/timeout';
import { DatabaseService } from '../database/database.service';
import { HoldStore } from '../holds/hold-store';
import { HealthCheck, HealthChecks } from './health-checks';

const CHECK_TIMEOUT_MS = 2000;

export class HealthView {
  @ApiProperty({ enum: ['ok', 'unavailable'], example: 'ok' }) status: 'ok' | 'unavailable';
  @ApiProperty({
    example: { database: 'ok', hold_store: 'ok', delivery: { queued: 2, failed: 0, oldest_queued_seconds: 1 } },
    description:
      "Each check's result: `ok` or `down` for the database and the hold store, which decide the status; `delivery` is the outbox's backlog (null when it cannot be read), which never does",
  })
  checks: Record<string, unknown>;
}

export class LiveView {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
}

@Injectable()
export class HealthService implements OnModuleInit, OnApplicationBootstrap {
  private started = false;
  /** Checks in progress, by kind: probes that arrive meanwhile share their answer instead of asking again. */
  private readonly running = new Map<boolean, Promise<HealthView>>();

  constructor(
    private readonly checks: HealthChecks,
    private readonly database: DatabaseService,
    private readonly holds: HoldStore,
    private readonly drain: HttpDrain,
  ) {}

  onModuleInit(): void {
    this.checks.add({ name: 'database', critical: true, check: () => this.database.ping().then(() => 'ok') });
    this.checks.add({ name: 'hold_store', critical: true, check: () => this.holds.ping().then(() => 'ok') });
  }

  /** Every module has started (the database migrated, connections made). */
  onApplicationBootstrap(): void {
    this.started = true;
  }

  /** Every check; `unavailable` when a critical one is down. */
  check(): Promise<HealthView> {
    return this.shared(false);
  }

  /**
   * Whether this process should get traffic: started, not draining, and every critical check ok.
   * Starting or draining: 503 problem+json, as the drain answers every request that reaches it.
   */
  async ready(): Promise<HealthView> {
    if (!this.started) throw new AppError('UNAVAILABLE', 'The server is starting; try again shortly');
    if (this.drain.isDraining) throw new AppError('UNAVAILABLE', 'The server is shutting down; try again shortly');
    return this.shared(true);
  }

  private shared(criticalOnly: boolean): Promise<HealthView> {
    let running = this.running.get(criticalOnly);
    if (!running) {
      running = this.run(this.checks.list(criticalOnly)).finally(() => this.running.delete(criticalOnly));
      this.running.set(criticalOnly, running);
    }
    return running;
  }

  private async run(checks: readonly HealthCheck[]): Promise<HealthView> {
    const results = await Promise.all(checks.map((check) => probe(check)));
    const down = checks.some((check, i) => check.critical && results[i] === 'down');
    return { status: down ? 'unavailable' : 'ok', checks: Object.fromEntries(checks.map((check, i) => [check.name, results[i]])) };
  }
}

async function probe(check: HealthCheck): Promise<unknown> {
  try {
    return await withTimeout(check.check(), CHECK_TIMEOUT_MS);
  } catch {
    // A critical check is down; figures that cannot be read are no figures.
    return check.critical ? 'down' : null;
  }
}
