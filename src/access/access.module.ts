import { Global, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Cache } from 'cache-manager';
import type { RedisStore } from 'cache-manager-redis-yet';
import { ClientsModule } from '../clients/clients.module';
import { accessConfig, redisConfig } from '../config/namespaces';
import { CACHE_MANAGER } from '../holds/holds.module';
import { ProvidersModule } from '../providers/providers.module';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { RateLimitGuard, sendsMessages } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler-storage';

const MINUTE_MS = 60_000;

/** Bearer API keys, roles and rate limits for every route. Guards run in order: who, then how often. */
@Global()
@Module({
  imports: [
    // Whose a key is, each asked of the module that owns the table.
    ProvidersModule,
    ClientsModule,
    ThrottlerModule.forRootAsync({
      inject: [accessConfig.KEY, redisConfig.KEY, CACHE_MANAGER],
      useFactory: (config: ConfigType<typeof accessConfig>, redis: ConfigType<typeof redisConfig>, cache: Cache) => ({
        throttlers: [
          {
            name: 'default',
            ttl: MINUTE_MS,
            limit: (context) =>
              sendsMessages(context) ? Math.max(1, Math.floor(config.rateLimitPerMinute / 10)) : config.rateLimitPerMinute,
          },
        ],
        storage: redis.url
          ? new RedisThrottlerStorage((cache.store as RedisStore).client, redis.prefix)
          : undefined,
      }),
    }),
  ],
  providers: [
    AuthService,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [AuthService],
})
export class AccessModule {}
