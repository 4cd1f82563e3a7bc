import { Module } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Settings } from '../config/settings';
import { SETTINGS } from '../config/settings.module';
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
      inject: [REDIS_CLIENT, SETTINGS, Clock],
      useFactory: (redis: AppRedisClient | null, settings: Settings, clock: Clock): HoldStore =>
        redis ? new RedisHoldStore(redis, settings.redisPrefix, clock) : new MemoryHoldStore(clock),
    },
  ],
  exports: [HoldStore],
})
export class HoldsModule {}
