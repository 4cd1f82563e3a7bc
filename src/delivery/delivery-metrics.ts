import { Injectable, OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { Clock } from '../common/clock';
import { MetricsService } from '../metrics/metrics.service';
import { OutboxRepository } from './outbox.repository';

export type TryOutcome = 'sent' | 'retry' | 'failed';

/**
 * The outbox as Prometheus sees it: the backlog read from the database at each scrape (the same in
 * every process), and this process's tries by channel and outcome.
 */
@Injectable()
export class DeliveryMetrics implements OnModuleInit {
  private tries: Counter<'channel' | 'outcome'> | undefined;

  constructor(
    private readonly metrics: MetricsService,
    private readonly outbox: OutboxRepository,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.tries = this.metrics.addCounter({
      name: 'scheduler_outbox_tries_total',
      help: 'Sends tried by this process, by channel and outcome (sent, retry: failed and queued again, failed: given up)',
      labelNames: ['channel', 'outcome'],
    });
    this.metrics.addGauge({
      name: 'scheduler_outbox_messages',
      help: 'Messages in the outbox waiting to be sent (queued) or given up (failed)',
      labelNames: ['status'],
      collect: async (gauge) => {
        const backlog = await this.outbox.backlog(this.clock.nowMs());
        gauge.set({ status: 'queued' }, backlog.queued);
        gauge.set({ status: 'failed' }, backlog.failed);
      },
    });
    this.metrics.addGauge({
      name: 'scheduler_outbox_oldest_due_seconds',
      help: 'How long the oldest message that is due has waited (0 when none waits)',
      collect: async (gauge) => {
        const now = this.clock.nowMs();
        const { oldestQueuedAt } = await this.outbox.backlog(now);
        gauge.set(oldestQueuedAt === null ? 0 : Math.max(0, (now - oldestQueuedAt) / 1000));
      },
    });
  }

  tried(channel: string, outcome: TryOutcome): void {
    this.tries?.inc({ channel, outcome });
  }
}
