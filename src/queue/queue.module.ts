import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ConfigType } from '@nestjs/config';
import { AppointmentsModule } from '../appointments/appointments.module';
import { ClientsModule } from '../clients/clients.module';
import { DomainEventsModule } from '../common/domain-events.module';
import { redisConfig } from '../config/namespaces';
import { DeliveryModule } from '../delivery/delivery.module';
import { MailModule } from '../mail/mail.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ProvidersModule } from '../providers/providers.module';
import type { AppRedisClient } from '../redis/redis-client';
import { REDIS_CLIENT, REDIS_SUBSCRIBER, RedisModule } from '../redis/redis.module';
import { QueueBoardController } from './board/queue-board.controller';
import { QueueBoardRepository } from './board/queue-board.repository';
import { QueueBoards } from './board/queue-boards.service';
import { EventStreams } from './event-stream';
import { MemoryQueueEvents, QueueEvents, RedisQueueEvents } from './queue-events';
import { QueueMetrics } from './queue-metrics';
import { QueueController } from './queue.controller';
import { QueueJoinController } from './queue-join.controller';
import { QueueJoinLinks } from './queue-join-links';
import { QueueJoinPages } from './queue-join-pages.service';
import { QueueJoinService } from './queue-join.service';
import { QueueRepository } from './queue.repository';
import { QueueService } from './queue.service';
import { MemoryStreamQuota, RedisStreamQuota, STREAMS_PER_KEY, StreamQuota } from './stream-quota';

@Module({
  imports: [
    RedisModule,
    MailModule,
    MetricsModule,
    ProvidersModule,
    ClientsModule,
    AppointmentsModule,
    DeliveryModule,
    DomainEventsModule,
    WebhooksModule,
  ],
  controllers: [QueueController, QueueBoardController, QueueJoinController],
  providers: [
    QueueRepository,
    QueueService,
    QueueBoardRepository,
    QueueBoards,
    QueueJoinLinks,
    QueueJoinService,
    QueueJoinPages,
    QueueMetrics,
    EventStreams,
    {
      // With REDIS_URL the streams of a key are counted in Redis, so the cap holds across processes.
      provide: StreamQuota,
      inject: [REDIS_CLIENT, redisConfig.KEY],
      useFactory: (redis: AppRedisClient | null, settings: ConfigType<typeof redisConfig>): StreamQuota =>
        redis ? new RedisStreamQuota(redis, settings.prefix, STREAMS_PER_KEY) : new MemoryStreamQuota(STREAMS_PER_KEY),
    },
    {
      // With REDIS_URL, events travel through Redis pub/sub, so every process hears every change.
      provide: QueueEvents,
      inject: [REDIS_CLIENT, REDIS_SUBSCRIBER, redisConfig.KEY],
      useFactory: (
        redis: AppRedisClient | null,
        subscriber: AppRedisClient | null,
        settings: ConfigType<typeof redisConfig>,
      ): QueueEvents => (redis && subscriber ? new RedisQueueEvents(redis, subscriber, settings.prefix) : new MemoryQueueEvents()),
    },
  ],
  exports: [QueueService],
})
export class QueueModule {}
