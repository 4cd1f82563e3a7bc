import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Cache } from 'cache-manager';
import type { RedisStore } from 'cache-manager-redis-yet';
import { ClientsModule } from '../clients/clients.module';
import { Settings } from '../config/settings';
import { SETTINGS } from '../config/settings.module';
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
      inject: [SETTINGS, CACHE_MANAGER],
      useFactory: (settings: Settings, cache: Cache) => ({
        throttlers: [
          {
            name: 'default',
            ttl: MINUTE_MS,
            limit: (context) =>
              sendsMessages(context) ? Math.max(1, Math.floor(settings.rateLimitPerMinute / 10)) : settings.rateLimitPerMinute,
          },
        ],
        storage: settings.redisUrl
          ? new RedisThrottlerStorage((cache.store as RedisStore).client, settings.redisPrefix)
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
