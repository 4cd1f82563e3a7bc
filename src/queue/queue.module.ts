import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { Cache } from 'cache-manager';
import type { RedisStore } from 'cache-manager-redis-yet';
import { AppointmentsModule } from '../appointments/appointments.module';
import { ClientsModule } from '../clients/clients.module';
import { DomainEventsModule } from '../common/domain-events.module';
import { redisConfig } from '../config/namespaces';
import { CACHE_MANAGER } from '../holds/holds.module';
import { ProvidersModule } from '../providers/providers.module';
import { SmsModule } from '../sms/sms.module';
import { EventStreams } from './event-stream';
import { MemoryQueueEvents, QueueEvents, RedisQueueEvents } from './queue-events';
import { QueueNotifier } from './queue-notifier';
import { QueueController } from './queue.controller';
import { QueueRepository } from './queue.repository';
import { QueueService } from './queue.service';
import { MemoryStreamQuota, RedisStreamQuota, STREAMS_PER_KEY, StreamQuota } from './stream-quota';

@Module({
  imports: [ProvidersModule, ClientsModule, AppointmentsModule, SmsModule, DomainEventsModule],
  controllers: [QueueController],
  providers: [
    QueueRepository,
    QueueService,
    QueueNotifier,
    EventStreams,
    {
      // With REDIS_URL the streams of a key are counted in Redis, so the cap holds across processes.
      provide: StreamQuota,
      inject: [redisConfig.KEY, CACHE_MANAGER],
      useFactory: (redis: ConfigType<typeof redisConfig>, cache: Cache): StreamQuota =>
        redis.url
          ? new RedisStreamQuota((cache.store as RedisStore).client, redis.prefix, STREAMS_PER_KEY)
          : new MemoryStreamQuota(STREAMS_PER_KEY),
    },
    {
      // With REDIS_URL, events travel through Redis pub/sub: published on the cache's client, received on a duplicate of it.
      provide: QueueEvents,
      inject: [redisConfig.KEY, CACHE_MANAGER],
      useFactory: (redis: ConfigType<typeof redisConfig>, cache: Cache): QueueEvents => {
        if (!redis.url) return new MemoryQueueEvents();
        const client = (cache.store as RedisStore).client;
        return new RedisQueueEvents(client, client.duplicate(), redis.prefix);
      },
    },
  ],
})
export class QueueModule {}
