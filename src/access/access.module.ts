import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ClientsModule } from '../clients/clients.module';
import { accessConfig, redisConfig } from '../config/namespaces';
import { ProvidersModule } from '../providers/providers.module';
import type { AppRedisClient } from '../redis/redis-client';
import { REDIS_CLIENT, RedisModule } from '../redis/redis.module';
import { ApiKeysModule } from './api-keys.module';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { RateLimitGuard, sendsMessages } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler-storage';

const MINUTE_MS = 60_000;

/** Bearer API keys, roles and rate limits for every route. Guards run in order: who, then how often. */
@Module({
  imports: [
    // Whose a key is, each asked of the module that owns the table, and kept per process.
    ProvidersModule,
    ClientsModule,
    ApiKeysModule,
    ThrottlerModule.forRootAsync({
      imports: [RedisModule],
      inject: [accessConfig.KEY, redisConfig.KEY, REDIS_CLIENT],
      useFactory: (
        config: ConfigType<typeof accessConfig>,
        redisSettings: ConfigType<typeof redisConfig>,
        redis: AppRedisClient | null,
      ) => ({
        throttlers: [
          {
            name: 'default',
            ttl: MINUTE_MS,
            limit: (context) =>
              sendsMessages(context) ? Math.max(1, Math.floor(config.rateLimitPerMinute / 10)) : config.rateLimitPerMinute,
          },
        ],
        // Without Redis, the throttler's own in-process storage.
        storage: redis ? new RedisThrottlerStorage(redis, redisSettings.prefix) : undefined,
      }),
    }),
  ],
  providers: [AuthService, { provide: APP_GUARD, useClass: AuthGuard }, { provide: APP_GUARD, useClass: RateLimitGuard }],
  exports: [AuthService],
})
export class AccessModule {}
