import { Injectable, OnModuleInit } from '@nestjs/common';
import { HealthChecks } from '../health/health-checks';
import { DeliveriesService } from './deliveries.service';

/** `checks.delivery` of `GET /api/health`: the outbox's backlog, figures that never make the status (null when unreadable). */
@Injectable()
export class DeliveryHealth implements OnModuleInit {
  constructor(
    private readonly checks: HealthChecks,
    private readonly deliveries: DeliveriesService,
  ) {}

  onModuleInit(): void {
    this.checks.add({ name: 'delivery', critical: false, check: () => this.deliveries.backlog().catch(() => null) });
  }
}
