import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { RedisClientWith } from '../redis/redis-client';
import { withTimeout } from '../common/timeout';
import { QueueEntryView, QueueView } from './dto/queue.dto';

/** One committed change of a provider's queue of a day, as every subscriber gets it. */
export interface QueueChange {
  providerId: number;
  date: string;
  /** The queue's revision after the change: a subscriber ignores anything not newer than what it has. */
  revision: number;
  /** The whole queue after the change (the body of GET /api/queue). */
  queue: QueueView;
  /** Entries this change took out of the queue (done, no_show, left), as they are now. */
  departed: QueueEntryView[];
}

export type QueueListener = (change: QueueChange) => void;

/**
 * The queue's event bus: one change published → one delivery to every subscriber on every server
 * process. Listeners are called one after another and must not block (the event streams only buffer
 * a frame); one that throws is logged and the others still get the change.
 */
export abstract class QueueEvents {
  protected readonly logger = new Logger('QueueEvents');
  private readonly listeners = new Map<string, Set<QueueListener>>();

  /** Announces a committed change. Never throws: a lost event must not fail a change that happened. */
  abstract publish(change: QueueChange): Promise<void>;

  /** Listens to one provider's queue of a day on this process; call the answer to stop. */
  subscribe(providerId: number, date: string, listener: QueueListener): () => void {
    const key = dayKey(providerId, date);
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  /** How many listeners this process has (for tests and health). */
  listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  /** Hands a change that reached this process to its local listeners. */
  protected deliver(change: QueueChange): void {
    const set = this.listeners.get(dayKey(change.providerId, change.date));
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(change);
      } catch (error) {
        this.logger.warn(`A queue listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

function dayKey(providerId: number, date: string): string {
  return `${providerId}:${date}`;
}

/** Without REDIS_URL: one process, so the bus is in memory. Delivery is deferred, in publish order. */
export class MemoryQueueEvents extends QueueEvents {
  async publish(change: QueueChange): Promise<void> {
    setImmediate(() => this.deliver(change));
  }
}

const PUBLISH_TIMEOUT_MS = 2000;
const UNSUBSCRIBE_TIMEOUT_MS = 500;

/**
 * With REDIS_URL: changes travel over Redis pub/sub on one channel, so every process gets every
 * change, the publisher's own included (it delivers only what comes back from Redis: one path, one
 * event). Published on the Redis module's client, received on its subscriber connection; node-redis
 * subscribes again by itself after a reconnect.
 */
export class RedisQueueEvents extends QueueEvents implements OnModuleInit, OnApplicationShutdown {
  private readonly channel: string;
  private readonly onMessage = (message: string): void => this.receive(message);

  constructor(
    private readonly publisher: RedisClientWith,
    private readonly subscriber: RedisClientWith,
    prefix: string,
  ) {
    super();
    this.channel = `${prefix}queue:events`;
  }

  async onModuleInit(): Promise<void> {
    await this.subscriber.subscribe(this.channel, this.onMessage);
  }

  async publish(change: QueueChange): Promise<void> {
    try {
      await withTimeout(this.publisher.publish(this.channel, JSON.stringify(change)), PUBLISH_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn(`Queue change ${change.providerId}:${change.date}#${change.revision} not published: ${String(error)}`);
    }
  }

  /** Stops listening; the Redis module closes the connection itself afterwards. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.subscriber.isReady) return;
    await withTimeout(this.subscriber.unsubscribe(this.channel, this.onMessage), UNSUBSCRIBE_TIMEOUT_MS).catch((error: unknown) =>
      this.logger.warn(`Queue events not unsubscribed: ${String(error)}`),
    );
  }

  private receive(message: string): void {
    let change: QueueChange;
    try {
      change = JSON.parse(message) as QueueChange;
    } catch {
      this.logger.warn('An unreadable queue event was ignored');
      return;
    }
    this.deliver(change);
  }
}
