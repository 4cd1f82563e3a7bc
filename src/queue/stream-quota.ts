import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { throttledWarning } from '../common/log-throttle';
import { withTimeout } from '../common/timeout';
import type { RedisClientWith } from '../redis/redis-client';
import { STREAM_QUOTA_SCRIPTS } from './stream-quota-scripts';

/** The contract's cap: one key holds at most this many event streams open at once. */
export const STREAMS_PER_KEY = 100;

/** One open stream's place in its key's quota; releasing it (once or more) frees exactly that place. */
export interface StreamPlace {
  release(): void;
}

/** How many event streams each key holds open, counted on every server process. */
export abstract class StreamQuota {
  constructor(readonly limit: number) {}

  /** A place for one more stream of `holder`, or undefined when it already holds `limit`. */
  abstract claim(holder: string): Promise<StreamPlace | undefined>;
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}

/** Without REDIS_URL: one process, so a count in memory. */
export class MemoryStreamQuota extends StreamQuota {
  private readonly held = new Map<string, number>();

  async claim(holder: string): Promise<StreamPlace | undefined> {
    const count = this.held.get(holder) ?? 0;
    if (count >= this.limit) return undefined;
    this.held.set(holder, count + 1);
    return {
      release: once(() => {
        const left = (this.held.get(holder) ?? 1) - 1;
        if (left > 0) this.held.set(holder, left);
        else this.held.delete(holder);
      }),
    };
  }
}

/** A place not refreshed for this long is taken for the stream of a process that died, and dropped. */
const LEASE_MS = 60_000;
const COMMAND_TIMEOUT_MS = 500;

/**
 * With REDIS_URL: each key's places are a sorted set in Redis, shared by every process. A place is a
 * lease that its process renews while the stream is open (every third of the lease), so the places of
 * a process that crashed lapse within a lease instead of counting forever. Claiming prunes lapsed
 * places, counts and adds in one script. Counting is best effort: a Redis that does not answer lets
 * the stream open (and says so in the log) rather than refusing every stream.
 */
export class RedisStreamQuota extends StreamQuota implements OnApplicationShutdown {
  private readonly warn = throttledWarning(new Logger(RedisStreamQuota.name));
  /** The streams this process has open, by holder. */
  private readonly open = new Map<string, Set<string>>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly client: RedisClientWith<typeof STREAM_QUOTA_SCRIPTS>,
    private readonly prefix: string,
    limit: number,
    private readonly leaseMs = LEASE_MS,
  ) {
    super(limit);
    this.heartbeat = setInterval(() => void this.refresh(), Math.max(1, Math.floor(leaseMs / 3)));
    this.heartbeat.unref();
  }

  async claim(holder: string): Promise<StreamPlace | undefined> {
    const streamId = randomUUID();
    try {
      const claimed = this.client.claimStreamPlace(this.key(holder), streamId, this.limit, this.leaseMs);
      if (!(await withTimeout(claimed, COMMAND_TIMEOUT_MS))) return undefined;
    } catch (error) {
      this.warn(`Event stream of ${holder} not counted, Redis did not answer: ${String(error)}`);
      return { release: () => undefined };
    }
    let streams = this.open.get(holder);
    if (!streams) this.open.set(holder, (streams = new Set()));
    streams.add(streamId);
    return {
      release: once(() => {
        streams.delete(streamId);
        if (streams.size === 0 && this.open.get(holder) === streams) this.open.delete(holder);
        // Should this fail, the lease lapses by itself.
        withTimeout(this.client.zRem(this.key(holder), streamId), COMMAND_TIMEOUT_MS).catch((error: unknown) =>
          this.warn(`Event stream place of ${holder} not released, it lapses by itself: ${String(error)}`),
        );
      }),
    };
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
  }

  private async refresh(): Promise<void> {
    await Promise.all(
      [...this.open].map(async ([holder, streams]) => {
        try {
          await withTimeout(this.client.renewStreamPlaces(this.key(holder), this.leaseMs, [...streams]), COMMAND_TIMEOUT_MS);
        } catch (error) {
          this.warn(`Event stream places of ${holder} not renewed: ${String(error)}`);
        }
      }),
    );
  }

  private key(holder: string): string {
    return `${this.prefix}streams:${holder}`;
  }
}
