import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { throttledWarning } from '../common/log-throttle';
import { withTimeout } from '../common/timeout';
import { closeRedisClient, type RedisClientWith } from '../redis/redis-client';

/** Every key that starts with `prefix` (every day of one provider, say). */
export interface KeyPrefix {
  prefix: string;
}

/** Which entries went stale: these keys, those under a prefix, or `'all'` after a gap in the messages. */
export type Stale = readonly string[] | KeyPrefix | 'all';

/** What a cache does when told some of its entries are stale. */
export type InvalidationHandler = (stale: Stale) => void;

/**
 * Tells every process's caches which entries a change made stale. A writer calls `invalidate` after its
 * change is committed; the entries go on this process at once, and on the others when the message arrives.
 * A cache serves an entry only while the bus is `live`: a message missed while away cannot be replayed.
 */
export abstract class CacheBus {
  protected readonly handlers = new Map<string, InvalidationHandler>();

  /** Whether every invalidation published anywhere reaches this process. */
  abstract get live(): boolean;

  register(cache: string, handler: InvalidationHandler): void {
    if (this.handlers.has(cache)) throw new Error(`cache "${cache}" is registered twice`);
    this.handlers.set(cache, handler);
  }

  /** Drops `keys` of `cache` here at once, then everywhere else. Never throws: the change already happened. */
  async invalidate(cache: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    this.handlers.get(cache)?.(keys);
    await this.broadcast(cache, keys);
  }

  /** Drops every key of `cache` under `prefix`, here at once, then everywhere else. Never throws. */
  async invalidatePrefix(cache: string, prefix: string): Promise<void> {
    this.handlers.get(cache)?.({ prefix });
    await this.broadcast(cache, { prefix });
  }

  protected abstract broadcast(cache: string, stale: readonly string[] | KeyPrefix): Promise<void>;

  protected dropEverything(): void {
    for (const handler of this.handlers.values()) handler('all');
  }
}

/** Without REDIS_URL there is one process, and `invalidate` has already reached it. */
export class LocalCacheBus extends CacheBus {
  get live(): boolean {
    return true;
  }

  protected async broadcast(): Promise<void> {}
}

interface InvalidationMessage {
  /** The process that sent it, which has applied it already. */
  from: string;
  cache: string;
  /** The stale keys; or, without them, every key under `prefix`. */
  keys?: string[];
  prefix?: string;
}

const PUBLISH_TIMEOUT_MS = 1000;
/** How often a process sends itself a probe through Redis. */
const HEARTBEAT_MS = 20;
/**
 * The bus is live only while a probe sent this recently has come back: a link that stalls without
 * dropping (no error, no answer) is noticed within this, the contract's bound on a stale listing.
 */
export const LIVENESS_MS = 100;
/** node-redis events after which messages may have been missed. */
const DOWN_EVENTS = ['error', 'reconnecting', 'end'] as const;

/**
 * Invalidations over Redis pub/sub. Every HEARTBEAT_MS the process publishes a probe on a channel of its
 * own, through the same Redis, and notes when the latest one that came back was sent: Redis hands a
 * subscriber its messages in order, so once that probe is back, every invalidation published before it
 * was sent has arrived. The bus is live while that instant is under LIVENESS_MS old. When the subscriber
 * connection drops (messages may be lost), every cache is emptied, and again when the first probe is back.
 */
export class RedisCacheBus extends CacheBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CacheBus');
  private readonly warn = throttledWarning(this.logger);
  private readonly channel: string;
  private readonly processId = randomUUID();
  private readonly probeChannel: string;
  /** performance.now() when the latest probe that came back was sent. */
  private heardUpTo = -Infinity;
  private probeInFlight = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly onMessage = (raw: string): void => this.receive(raw);
  private readonly onProbe = (raw: string): void => this.probeCameBack(Number(raw));
  private readonly onDown = (): void => this.goDown();

  /** `publisher`: a connection of the bus's own, closed with it; `subscriber`: the app's pub/sub connection. */
  constructor(
    private readonly publisher: RedisClientWith,
    private readonly subscriber: RedisClientWith,
    prefix: string,
  ) {
    super();
    this.channel = `${prefix}cache:invalidate`;
    this.probeChannel = `${prefix}cache:probe:${this.processId}`;
  }

  get live(): boolean {
    return performance.now() - this.heardUpTo <= LIVENESS_MS;
  }

  async onModuleInit(): Promise<void> {
    for (const event of DOWN_EVENTS) this.subscriber.on(event, this.onDown);
    await this.subscriber.subscribe(this.channel, this.onMessage);
    await this.subscriber.subscribe(this.probeChannel, this.onProbe);
    this.sendProbe();
    this.heartbeat = setInterval(() => this.sendProbe(), HEARTBEAT_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const event of DOWN_EVENTS) this.subscriber.off(event, this.onDown);
    this.heardUpTo = -Infinity;
    await closeRedisClient(this.publisher, 'cache publisher');
    if (!this.subscriber.isReady) return;
    await withTimeout(
      Promise.all([
        this.subscriber.unsubscribe(this.channel, this.onMessage),
        this.subscriber.unsubscribe(this.probeChannel, this.onProbe),
      ]),
      PUBLISH_TIMEOUT_MS,
    ).catch(() => undefined);
  }

  protected async broadcast(cache: string, stale: readonly string[] | KeyPrefix): Promise<void> {
    const message: InvalidationMessage = isKeyPrefix(stale)
      ? { from: this.processId, cache, prefix: stale.prefix }
      : { from: this.processId, cache, keys: [...stale] };
    try {
      await withTimeout(this.publisher.publish(this.channel, JSON.stringify(message)), PUBLISH_TIMEOUT_MS);
    } catch (error) {
      // The other processes stop serving from their caches within LIVENESS_MS if Redis is gone for them
      // too; if only this process lost it, their entries still age out (each cache bounds an entry's age).
      this.warn(`Cache invalidation not published: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** One probe at a time: a stalled link must not pile them up. */
  private sendProbe(): void {
    if (this.probeInFlight || !this.publisher.isReady) return;
    this.probeInFlight = true;
    this.publisher
      .publish(this.probeChannel, String(performance.now()))
      .catch(() => undefined)
      .finally(() => (this.probeInFlight = false));
  }

  /**
   * A probe back after a gap (a stall, a busy event loop) needs no emptying: a connection that stalls
   * without dropping loses nothing, and every invalidation published before the probe has been applied
   * by now. A connection that drops may have lost messages: goDown empties the caches then.
   */
  private probeCameBack(sentAt: number): void {
    if (!Number.isFinite(sentAt) || sentAt <= this.heardUpTo) return;
    if (this.heardUpTo === -Infinity) this.dropEverything();
    this.heardUpTo = sentAt;
  }

  private goDown(): void {
    if (this.heardUpTo === -Infinity) return;
    this.heardUpTo = -Infinity;
    this.dropEverything();
  }

  private receive(raw: string): void {
    let message: InvalidationMessage;
    try {
      message = JSON.parse(raw) as InvalidationMessage;
    } catch {
      this.logger.warn('An unreadable cache invalidation was ignored');
      return;
    }
    if (message.from === this.processId) return;
    if (Array.isArray(message.keys)) this.handlers.get(message.cache)?.(message.keys);
    else if (typeof message.prefix === 'string') this.handlers.get(message.cache)?.({ prefix: message.prefix });
  }
}

export function isKeyPrefix(stale: Stale): stale is KeyPrefix {
  return typeof stale === 'object' && 'prefix' in stale;
}
