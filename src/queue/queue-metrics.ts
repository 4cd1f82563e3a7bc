import { Injectable, OnModuleInit } from '@nestjs/common';
import { DateTime } from 'luxon';
import { Clock } from '../common/clock';
import { MetricsService } from '../metrics/metrics.service';
import { QueueRepository } from './queue.repository';

/**
 * `scheduler_queue_waiting{provider_id,date}`: who waits in each queue, read from the database at each
 * scrape (so every process reports the same, whichever changed the queue). Queues from yesterday in
 * UTC on: every time zone's today, and no forgotten day that still has people "waiting".
 */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queues: QueueRepository,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.metrics.addGauge({
      name: 'scheduler_queue_waiting',
      help: 'Clients checked in and waiting to be called, by provider and day',
      labelNames: ['provider_id', 'date'],
      collect: async (gauge) => {
        const fromDate = DateTime.fromMillis(this.clock.nowMs(), { zone: 'utc' }).minus({ days: 1 }).toISODate()!;
        for (const count of await this.queues.waitingCounts(fromDate)) {
          gauge.set({ provider_id: String(count.providerId), date: count.date }, count.waiting);
        }
      },
    });
  }
}
