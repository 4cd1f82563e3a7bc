import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ClientsModule } from '../clients/clients.module';
import { redisConfig } from '../config/namespaces';
import { ProvidersModule } from '../providers/providers.module';
import type { AppRedisClient } from '../redis/redis-client';
import { REDIS_CLIENT, RedisModule } from '../redis/redis.module';
import { ApiKeysModule } from './api-keys.module';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LeasedRateLimiter, RedisLeaseCounter } from './leased-rate-limiter';
import { RateLimitGuard } from './rate-limit.guard';
import { InProcessRateLimiter, RateLimiter } from './rate-limiter';
import { RouteRules } from './route-rules';

/** Bearer API keys, roles and rate limits for every route. Guards run in order: who, then how often. */
@Module({
  imports: [
    // Whose a key is, each asked of the module that owns the table, and kept per process.
    ProvidersModule,
    ClientsModule,
    ApiKeysModule,
    RedisModule,
  ],
  providers: [
    AuthService,
    RouteRules,
    {
      provide: RateLimiter,
      inject: [REDIS_CLIENT, redisConfig.KEY],
      // With Redis the limit is shared by every process, in leases; without, a counter in process.
      useFactory: (redis: AppRedisClient | null, settings: ConfigType<typeof redisConfig>): RateLimiter =>
        redis ? new LeasedRateLimiter(new RedisLeaseCounter(redis, settings.prefix)) : new InProcessRateLimiter(),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [AuthService],
})
export class AccessModule {}
