import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { caching, type Cache } from 'cache-manager';
import { redisInsStore } from 'cache-manager-redis-yet';
import type { RedisClientType } from 'redis';
import { ConfigType } from '@nestjs/config';
import { redisConfig } from '../config/namespaces';
import { AppRedisClient, closeRedisClient, connectRedisClient, createRedisClient } from './redis-client';

/** The app's Redis client (commands and scripts), or null without REDIS_URL. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
/** A second connection, for pub/sub only (a subscribed connection takes no other command), or null without REDIS_URL. */
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');
/**
 * The cache-manager 5 cache: cache-manager-redis-yet on REDIS_CLIENT, or in process without REDIS_URL.
 * Wired here rather than through @nestjs/cache-manager, whose current major requires cache-manager 6
 * (Keyv), which cache-manager-redis-yet does not support. Keys go under `{REDIS_PREFIX}cache:`. Never
 * call its `reset()`: on Redis that is FLUSHDB, every other deployment's keys included.
 * Nothing injects it yet: it is the design card's cache store, kept for the idempotency records that come next.
 */
export const CACHE_MANAGER = Symbol('CACHE_MANAGER');

/**
 * cache-manager-redis-yet types its client as one without scripts; ours has the same commands and the
 * scripts besides, so it serves as one (TypeScript cannot see that through the client's generics).
 */
function withoutScripts(client: AppRedisClient): RedisClientType {
  return client as unknown as RedisClientType;
}

/** Closes the connections once the app is done with them. */
@Injectable()
class RedisConnections implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS_CLIENT) private readonly client: AppRedisClient | null,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: AppRedisClient | null,
  ) {}

  /**
   * Nest runs this module's shutdown hooks after those of the modules that import it, and after the
   * HTTP server has answered its last request, so nothing uses these connections any more. The
   * subscriber goes first: it only ever feeds listeners, the client may still be flushing replies.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.subscriber) await closeRedisClient(this.subscriber, 'subscriber');
    if (this.client) await closeRedisClient(this.client, 'client');
  }
}

/**
 * The design card's Redis cache module: the connections, built once and shared by token. Without
 * REDIS_URL the connections are null, so each consumer picks its in-process implementation.
 */
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [redisConfig.KEY],
      useFactory: (config: ConfigType<typeof redisConfig>): Promise<AppRedisClient> | null =>
        config.url ? connectRedisClient(createRedisClient(config.url), 'client') : null,
    },
    {
      provide: REDIS_SUBSCRIBER,
      inject: [REDIS_CLIENT],
      useFactory: (client: AppRedisClient | null): Promise<AppRedisClient> | null =>
        client ? connectRedisClient(client.duplicate(), 'subscriber') : null,
    },
    {
      provide: CACHE_MANAGER,
      inject: [REDIS_CLIENT, redisConfig.KEY],
      useFactory: (client: AppRedisClient | null, config: ConfigType<typeof redisConfig>): Promise<Cache> =>
        client ? caching(redisInsStore(withoutScripts(client), { keyPrefix: `${config.prefix}cache` })) : caching('memory'),
    },
    RedisConnections,
  ],
  exports: [REDIS_CLIENT, REDIS_SUBSCRIBER, CACHE_MANAGER],
})
export class RedisModule {}
