import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { withTimeout } from '../common/timeout';
import type { RedisClientWith } from '../redis/redis-client';

/** What a cache does when told some of its entries are stale: `'all'` after a gap in the messages. */
export type InvalidationHandler = (keys: readonly string[] | 'all') => void;

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

  protected abstract broadcast(cache: string, keys: readonly string[]): Promise<void>;

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
  cache?: string;
  keys?: string[];
  /** A process's own probe that its subscription is up. */
  probe?: string;
}

const PUBLISH_TIMEOUT_MS = 1000;
/** How often a bus that is not live probes again (a lost probe, or an error that did not drop the connection). */
const REPROBE_MS = 1000;
/** node-redis events after which messages may have been missed. */
const DOWN_EVENTS = ['error', 'reconnecting', 'end'] as const;

/**
 * Invalidations over Redis pub/sub. The bus is live from the moment this process hears its own probe on
 * the channel (the subscription is up) until the subscriber connection drops; at the drop every cache is
 * emptied, and until the next probe comes back nothing is served from them.
 */
export class RedisCacheBus extends CacheBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CacheBus');
  private readonly channel: string;
  private readonly processId = randomUUID();
  private pendingProbe: string | undefined;
  private subscribed = false;
  private readonly onMessage = (raw: string): void => this.receive(raw);
  private readonly onReady = (): void => void this.probe();
  private readonly onDown = (): void => this.goDown();
  private reprobe: NodeJS.Timeout | undefined;

  constructor(
    private readonly publisher: RedisClientWith,
    private readonly subscriber: RedisClientWith,
    prefix: string,
  ) {
    super();
    this.channel = `${prefix}cache:invalidate`;
  }

  get live(): boolean {
    return this.subscribed;
  }

  async onModuleInit(): Promise<void> {
    this.subscriber.on('ready', this.onReady);
    for (const event of DOWN_EVENTS) this.subscriber.on(event, this.onDown);
    await this.subscriber.subscribe(this.channel, this.onMessage);
    await this.probe();
    this.reprobe = setInterval(() => {
      if (!this.subscribed && this.subscriber.isReady) void this.probe();
    }, REPROBE_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.reprobe);
    this.subscriber.off('ready', this.onReady);
    for (const event of DOWN_EVENTS) this.subscriber.off(event, this.onDown);
    this.subscribed = false;
    if (!this.subscriber.isReady) return;
    await withTimeout(this.subscriber.unsubscribe(this.channel, this.onMessage), PUBLISH_TIMEOUT_MS).catch(() => undefined);
  }

  protected async broadcast(cache: string, keys: readonly string[]): Promise<void> {
    await this.send({ from: this.processId, cache, keys: [...keys] });
  }

  /** node-redis subscribes again by itself after a reconnect; the probe coming back says it has. */
  private async probe(): Promise<void> {
    const probe = randomUUID();
    this.pendingProbe = probe;
    await this.send({ from: this.processId, probe });
  }

  private goDown(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    this.pendingProbe = undefined;
    this.dropEverything();
  }

  private async send(message: InvalidationMessage): Promise<void> {
    try {
      await withTimeout(this.publisher.publish(this.channel, JSON.stringify(message)), PUBLISH_TIMEOUT_MS);
    } catch (error) {
      // Other processes' entries then age out (each cache bounds an entry's age).
      this.logger.warn(`Cache invalidation not published: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private receive(raw: string): void {
    let message: InvalidationMessage;
    try {
      message = JSON.parse(raw) as InvalidationMessage;
    } catch {
      this.logger.warn('An unreadable cache invalidation was ignored');
      return;
    }
    if (message.from === this.processId) {
      if (message.probe !== undefined && message.probe === this.pendingProbe) {
        this.pendingProbe = undefined;
        // Whatever changed while the subscription was down is unknown: start empty.
        this.dropEverything();
        this.subscribed = true;
      }
      return;
    }
    if (message.cache !== undefined && Array.isArray(message.keys)) this.handlers.get(message.cache)?.(message.keys);
  }
}
