import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock';
import { redisConfig } from '../config/namespaces';
import type { AppRedisClient } from '../redis/redis-client';
import { REDIS_CLIENT, RedisModule } from '../redis/redis.module';
import { HoldStore } from './hold-store';
import { MemoryHoldStore } from './memory-hold-store';
import { RedisHoldStore } from './redis-hold-store';

/** The hold store: in Redis, keyed by hold id, when REDIS_URL is set; in process otherwise. */
@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: HoldStore,
      inject: [REDIS_CLIENT, redisConfig.KEY, Clock],
      useFactory: (redis: AppRedisClient | null, settings: ConfigType<typeof redisConfig>, clock: Clock): HoldStore =>
        redis ? new RedisHoldStore(redis, settings.prefix, clock) : new MemoryHoldStore(clock),
    },
  ],
  exports: [HoldStore],
})
export class HoldsModule {}
