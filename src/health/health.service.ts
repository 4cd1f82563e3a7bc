import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { DatabaseService } from '../database/database.service';
import { HoldStore } from '../holds/hold-store';
import { withTimeout } from '../common/timeout';

const CHECK_TIMEOUT_MS = 2000;

export class HealthView {
  @ApiProperty({ enum: ['ok', 'unavailable'], example: 'ok' }) status: 'ok' | 'unavailable';
  @ApiProperty({ example: { database: 'ok', hold_store: 'ok' } }) checks: Record<string, 'ok' | 'down'>;
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
  ) {}

  async check(): Promise<HealthView> {
    const [database, holdStore] = await Promise.all([probe(() => this.database.ping()), probe(() => this.holds.ping())]);
    const checks = { database, hold_store: holdStore };
    return { status: database === 'ok' && holdStore === 'ok' ? 'ok' : 'unavailable', checks };
  }
}
