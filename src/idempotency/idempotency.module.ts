import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Clock } from '../common/clock';
import { redisConfig } from '../config/namespaces';
import { DatabaseService } from '../database/database.service';
import type { AppRedisClient } from '../redis/redis-client';
import { REDIS_CLIENT, RedisModule } from '../redis/redis.module';
import { DatabaseIdempotencyStore } from './database-idempotency-store';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency-store';
import { RedisIdempotencyStore } from './redis-idempotency-store';

/**
 * Idempotency keys: records where every process sees them, as the hold store is chosen (Redis with
 * REDIS_URL, the database otherwise), and the interceptor that serves @Idempotent() routes.
 */
@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: IdempotencyStore,
      inject: [REDIS_CLIENT, redisConfig.KEY, DatabaseService, Clock],
      useFactory: (
        redis: AppRedisClient | null,
        settings: ConfigType<typeof redisConfig>,
        database: DatabaseService,
        clock: Clock,
      ): IdempotencyStore => (redis ? new RedisIdempotencyStore(redis, settings.prefix) : new DatabaseIdempotencyStore(database, clock)),
    },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
  exports: [IdempotencyStore],
})
export class IdempotencyModule {}
