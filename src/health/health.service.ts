import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { DatabaseService } from '../database/database.service';
import { DeliveriesService, DeliveryBacklog } from '../delivery/deliveries.service';
import { HoldStore } from '../holds/hold-store';
import { withTimeout } from '../common/timeout';

const CHECK_TIMEOUT_MS = 2000;

export class HealthView {
  @ApiProperty({ enum: ['ok', 'unavailable'], example: 'ok' }) status: 'ok' | 'unavailable';
  @ApiProperty({
    description:
      "Whether the database and the hold store answer; `delivery` is the outbox's backlog (null when it cannot be read), which never makes the status",
    example: { database: 'ok', hold_store: 'ok', delivery: { queued: 2, failed: 0, oldest_queued_seconds: 1 } },
  })
  checks: { database: 'ok' | 'down'; hold_store: 'ok' | 'down'; delivery: DeliveryBacklog | null };
}

async function probe(check: () => Promise<void>): Promise<'ok' | 'down'> {
  try {
    await withTimeout(check(), CHECK_TIMEOUT_MS);
    return 'ok';
  } catch {
    return 'down';
  }
}

@Injectable()
export class HealthService {
  constructor(
    private readonly database: DatabaseService,
    private readonly holds: HoldStore,
    private readonly deliveries: DeliveriesService,
  ) {}

  async check(): Promise<HealthView> {
    const [database, holdStore, delivery] = await Promise.all([
      probe(() => this.database.ping()),
      probe(() => this.holds.ping()),
      withTimeout(this.deliveries.backlog(), CHECK_TIMEOUT_MS).catch(() => null),
    ]);
    const checks = { database, hold_store: holdStore, delivery };
    return { status: database === 'ok' && holdStore === 'ok' ? 'ok' : 'unavailable', checks };
  }
}
