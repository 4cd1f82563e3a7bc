import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { redisConfig } from '../config/namespaces';
import { AppRedisClient, connectRedisClient } from '../redis/redis-client';
import { REDIS_CLIENT, REDIS_SUBSCRIBER, RedisModule } from '../redis/redis.module';
import { CacheBus, LocalCacheBus, RedisCacheBus } from './cache-bus';

/** The invalidation bus of the per-process caches: Redis pub/sub with REDIS_URL, in process without. */
@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: CacheBus,
      inject: [REDIS_CLIENT, REDIS_SUBSCRIBER, redisConfig.KEY],
      useFactory: async (
        client: AppRedisClient | null,
        subscriber: AppRedisClient | null,
        config: ConfigType<typeof redisConfig>,
      ): Promise<CacheBus> =>
        // A connection of its own to publish on: the probes must not queue behind the hot paths' commands,
        // or a busy process would read its own backlog as a lost subscription and stop using its caches.
        client && subscriber
          ? new RedisCacheBus(await connectRedisClient(client.duplicate(), 'cache publisher'), subscriber, config.prefix)
          : new LocalCacheBus(),
    },
  ],
  exports: [CacheBus],
})
export class CacheModule {}
