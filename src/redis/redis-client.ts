import { Logger } from '@nestjs/common';
import { createClient, type RedisClientType, type RedisDefaultModules, type RedisScripts } from 'redis';
import { RATE_LIMIT_SCRIPTS } from '../access/rate-limit-scripts';
import { throttledWarning } from '../common/log-throttle';
import { withTimeout } from '../common/timeout';
import { HOLD_SCRIPTS } from '../holds/hold-scripts';
import { IDEMPOTENCY_SCRIPTS } from '../idempotency/idempotency-scripts';
import { STREAM_QUOTA_SCRIPTS } from '../queue/stream-quota-scripts';

/**
 * Every Lua script the app runs, as methods of the client (node-redis `defineScript`: EVALSHA, and EVAL
 * when Redis has lost its script cache). Each script is written beside the feature it serves; they are
 * gathered here because node-redis attaches scripts when the client is made.
 */
export const REDIS_SCRIPTS = { ...HOLD_SCRIPTS, ...RATE_LIMIT_SCRIPTS, ...STREAM_QUOTA_SCRIPTS, ...IDEMPOTENCY_SCRIPTS };

/**
 * A client that has (at least) the scripts `S`, or none: what one feature asks for, so a test can give
 * it just those. (`Record<never, never>` rather than the library's `Record<string, never>`, which no
 * client with scripts would fit.)
 */
export type RedisClientWith<S extends RedisScripts = Record<never, never>> = RedisClientType<RedisDefaultModules, Record<string, never>, S>;

/** The app's client: every command and every script of REDIS_SCRIPTS. */
export type AppRedisClient = RedisClientWith<typeof REDIS_SCRIPTS>;

const QUIT_TIMEOUT_MS = 2000;

export function createRedisClient(url: string): AppRedisClient {
  return createClient({
    url,
    scripts: REDIS_SCRIPTS,
    // Without a connection, commands fail at once (→ 503) instead of queueing until Redis is back.
    disableOfflineQueue: true,
    socket: { connectTimeout: 3000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  });
}

/** Connects `client`, logging its connection errors (at most every few seconds while Redis is away). */
export async function connectRedisClient<C extends RedisClientWith<RedisScripts>>(client: C, name: string): Promise<C> {
  const warn = throttledWarning(new Logger('Redis'));
  client.on('error', (error: Error) => warn(`Redis ${name} connection error: ${error.message}`));
  await client.connect();
  return client;
}

/**
 * Closes `client`: QUIT when Redis answers, so replies still due arrive first; otherwise drops the
 * socket, which also stops the reconnection attempts. Never throws and never waits long.
 */
export async function closeRedisClient(client: RedisClientWith, name: string): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) {
    await client.disconnect().catch(() => undefined);
    return;
  }
  try {
    await withTimeout(client.quit(), QUIT_TIMEOUT_MS);
  } catch (error) {
    // A Redis that stalls never answers QUIT: let the socket go with the process rather than hold its exit.
    client.unref();
    new Logger('Redis').warn(`Redis ${name} connection not closed cleanly: ${error instanceof Error ? error.message : String(error)}`);
  }
}
