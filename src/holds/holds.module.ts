import { Global, Logger, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { caching, type Cache } from 'cache-manager';
import { redisInsStore, RedisStore } from 'cache-manager-redis-yet';
import { createClient, RedisClientType } from 'redis';
import { Clock } from '../common/clock';
import { redisConfig } from '../config/namespaces';
import { HoldStore } from './hold-store';
import { MemoryHoldStore } from './memory-hold-store';
import { RedisHoldStore } from './redis-hold-store';

const logger = new Logger('Redis');

/**
 * The cache-manager 5 instance. Wired here rather than through @nestjs/cache-manager, whose current major
 * requires cache-manager 6 (Keyv), which cache-manager-redis-yet does not support.
 */
export const CACHE_MANAGER = Symbol('CACHE_MANAGER');

async function connectRedis(url: string): Promise<RedisClientType> {
  const client: RedisClientType = createClient({
    url,
    // Without a connection, commands fail at once (→ 503) instead of queueing until Redis is back.
    disableOfflineQueue: true,
    socket: { connectTimeout: 3000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  });
  let lastLogged = 0;
  client.on('error', (error: Error) => {
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      logger.warn(`Redis connection error: ${error.message}`);
    }
  });
  await client.connect();
  return client;
}

/**
 * The shared cache module: with REDIS_URL it is Redis (cache-manager-redis-yet) and the holds live
 * there, keyed by hold id; without it, an in-process store.
 */
@Global()
@Module({
  providers: [
    {
      provide: CACHE_MANAGER,
      inject: [redisConfig.KEY],
      useFactory: async (redis: ConfigType<typeof redisConfig>): Promise<Cache> =>
        redis.url ? caching(redisInsStore(await connectRedis(redis.url))) : caching('memory'),
    },
    {
      provide: HoldStore,
      inject: [redisConfig.KEY, CACHE_MANAGER, Clock],
      useFactory: (redis: ConfigType<typeof redisConfig>, cache: Cache, clock: Clock): HoldStore =>
        redis.url
          ? new RedisHoldStore((cache.store as RedisStore).client, redis.prefix)
          : new MemoryHoldStore(clock),
    },
  ],
  exports: [HoldStore, CACHE_MANAGER],
})
export class HoldsModule {}
