import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { redisConfig } from '../config/namespaces';
import type { AppRedisClient } from '../redis/redis-client';
import { REDIS_CLIENT, REDIS_SUBSCRIBER, RedisModule } from '../redis/redis.module';
import { CacheBus, LocalCacheBus, RedisCacheBus } from './cache-bus';

/** The invalidation bus of the per-process caches: Redis pub/sub with REDIS_URL, in process without. */
@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: CacheBus,
      inject: [REDIS_CLIENT, REDIS_SUBSCRIBER, redisConfig.KEY],
      useFactory: (client: AppRedisClient | null, subscriber: AppRedisClient | null, config: ConfigType<typeof redisConfig>): CacheBus =>
        client && subscriber ? new RedisCacheBus(client, subscriber, config.prefix) : new LocalCacheBus(),
    },
  ],
  exports: [CacheBus],
})
export class CacheModule {}
