import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock';
import { throttledWarning } from '../common/log-throttle';
import { deliveryConfig } from '../config/namespaces';
import { ChannelSenders } from './channel-senders';
import { DeliveryMetrics } from './delivery-metrics';
import { OutboxFolder } from './outbox-folder';
import { afterFailure, ClaimedMessage, DeliveryError, DeliveryLane, laneOf } from './outbox-message';
import { OutboxRepository } from './outbox.repository';

/** Tries to record a send's outcome before giving up (the message then goes again when its lease lapses). */
const MARK_ATTEMPTS = 3;

const LANES: readonly DeliveryLane[] = ['notices', 'calls'];

/** Calls to one subscription in hand at once: a receiver that hangs holds 2 of the lane's places, not all. */
export const CALLS_PER_WEBHOOK = 2;

/**
 * Sends what the outbox holds, in every server process. Up to `concurrency` emails and texts, and
 * `webhookConcurrency` webhook calls besides, are in hand at once, at most `CALLS_PER_WEBHOOK` of them to
 * one subscription; a free place is filled from the outbox as soon as it frees, when a transaction adds
 * a message (`wake`), or at the next poll, which also finds retries and reminders falling due and
 * messages whose worker died (their lease lapsed).
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  // Not 'Outbox': that context is the developer's mail-folder mode, whose lines are not redacted.
  private readonly logger = new Logger('Delivery');
  private readonly warnDown = throttledWarning(this.logger);
  private readonly inHand = new Map<number, { message: ClaimedMessage; done: Promise<void> }>();
  private running = false;
  private loop: Promise<void> | undefined;
  /** Whether the outbox may hold due messages that were not claimed yet. */
  private mayHaveDue = true;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly senders: ChannelSenders,
    private readonly clock: Clock,
    @Inject(deliveryConfig.KEY) private readonly config: ConfigType<typeof deliveryConfig>,
    private readonly folder: OutboxFolder,
    private readonly metrics?: DeliveryMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** A transaction added a message: claim it now rather than at the next poll. */
  wake(): void {
    this.mayHaveDue = true;
    this.wakeUp?.();
  }

  /**
   * Claims nothing more, gives the messages in hand a moment to finish, and hands back the rest so
   * that another process (or this one, restarted) sends them at once rather than after the lease.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    const unfinished = [...this.inHand.values()];
    if (unfinished.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(unfinished.map((entry) => entry.done)),
      new Promise((resolve) => (timer = setTimeout(resolve, this.config.shutdownGraceMs))),
    ]);
    clearTimeout(timer);
    const now = this.clock.nowMs();
    await Promise.allSettled([...this.inHand.values()].map(({ message }) => this.outbox.release(message, now)));
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.mayHaveDue) {
        this.mayHaveDue = false;
        let startedAny = false;
        // Each lane fills its own places: a full one waits for a place to free (which wakes the loop).
        for (const lane of LANES) {
          // A stop that came while the last lane's claim ran: claim no other.
          if (!this.running) break;
          const room = this.placesOf(lane) - this.inHandOf(lane);
          if (room <= 0) continue;
          const claimed = await this.claim(room, lane);
          const kept = await this.keepWhatFits(claimed);
          for (const message of kept) this.start(message);
          // A full batch: there may be more due at once. One whose every call went back (none can,
          // as the claim skips the webhooks at their cap) would claim the same again: that waits for
          // a place to free or the poll.
          if (claimed.length === room && kept.length > 0) this.mayHaveDue = true;
          if (kept.length > 0) startedAny = true;
        }
        // Something started, or a wake came while a claim ran (a commit its query may not have seen): look again.
        if (startedAny || this.mayHaveDue) continue;
      }
      await this.pause();
    }
  }

  /**
   * The claimed messages that fit, at most `CALLS_PER_WEBHOOK` calls to a subscription with those in
   * hand; the rest (several calls to one webhook due at once) are handed back at once, their try not
   * counted. If handing back fails, their lease lapsing is the fallback: they go again then.
   */
  private async keepWhatFits(claimed: ClaimedMessage[]): Promise<ClaimedMessage[]> {
    const inHand = this.callsInHand();
    const kept: ClaimedMessage[] = [];
    const extras: ClaimedMessage[] = [];
    for (const message of claimed) {
      if (message.webhookId === null) {
        kept.push(message);
        continue;
      }
      const calls = inHand.get(message.webhookId) ?? 0;
      if (calls >= CALLS_PER_WEBHOOK) {
        extras.push(message);
      } else {
        inHand.set(message.webhookId, calls + 1);
        kept.push(message);
      }
    }
    if (extras.length > 0) {
      try {
        await this.outbox.unclaim(extras);
      } catch (error) {
        this.warnDown(`Calls not handed back; they go again when their lease lapses: ${describe(error)}`);
      }
    }
    return kept;
  }

  /** Calls in hand, by webhook. */
  private callsInHand(): Map<number, number> {
    const calls = new Map<number, number>();
    for (const { message } of this.inHand.values()) {
      if (message.webhookId !== null) calls.set(message.webhookId, (calls.get(message.webhookId) ?? 0) + 1);
    }
    return calls;
  }

  private placesOf(lane: DeliveryLane): number {
    return lane === 'calls' ? this.config.webhookConcurrency : this.config.concurrency;
  }

  private inHandOf(lane: DeliveryLane): number {
    let count = 0;
    for (const { message } of this.inHand.values()) if (laneOf(message.channel) === lane) count++;
    return count;
  }

  private async claim(limit: number, lane: DeliveryLane): Promise<ClaimedMessage[]> {
    const now = this.clock.nowMs();
    try {
      if (lane === 'notices') return await this.outbox.claim(now, limit, now + this.config.leaseMs, lane);
      const saturated = [...this.callsInHand()].filter(([, calls]) => calls >= CALLS_PER_WEBHOOK).map(([webhookId]) => webhookId);
      return await this.outbox.claim(now, limit, now + this.config.webhookLeaseMs, lane, saturated);
    } catch (error) {
      this.warnDown(`Outbox not readable, will retry: ${describe(error)}`);
      return [];
    }
  }

  /** Until woken, a place frees, or the poll interval passes (then the outbox is read again). */
  private pause(): Promise<void> {
    // A shutdown that came while a claim ran found no pause to wake: the loop must not start one.
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.mayHaveDue = true;
        finish();
      }, this.config.pollMs);
      const finish = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = finish;
    });
  }

  private start(message: ClaimedMessage): void {
    const done = this.deliver(message).finally(() => {
      this.inHand.delete(message.id);
      this.wake();
    });
    this.inHand.set(message.id, { message, done });
  }

  private async deliver(message: ClaimedMessage): Promise<void> {
    let failure: unknown;
    try {
      if (message.sendBefore !== null && this.clock.nowMs() >= message.sendBefore) {
        throw new DeliveryError(`Not sent: it was of use only until ${new Date(message.sendBefore).toISOString()}`, true);
      }
      await this.senders.send(message);
    } catch (error) {
      failure = error;
    }
    const now = this.clock.nowMs();
    if (failure === undefined) {
      this.metrics?.tried(message.channel, 'sent');
      const copyOutlivedRow = await this.record(message, () => this.markSent(message, now));
      if (copyOutlivedRow) await this.forgetCopy(message);
      return;
    }
    const outcome = afterFailure(message, failure, now, Math.random());
    const reason = describe(failure);
    this.metrics?.tried(message.channel, outcome.status === 'failed' ? 'failed' : 'retry');
    if (outcome.status === 'failed') {
      this.logger.error(
        `Message ${message.id} (${message.kind}, ${message.channel}) failed for good after ${message.attempts} tries: ${reason}`,
      );
    } else {
      this.logger.warn(
        `Message ${message.id} (${message.kind}, ${message.channel}) not sent (try ${message.attempts}), retrying at ${new Date(outcome.nextAttemptAt).toISOString()}: ${reason}`,
      );
    }
    await this.record(message, () => this.outbox.markFailedTry(message, reason, outcome));
  }

  /**
   * Marks the message sent, and says whether the copy this send left in the outbox folder must go: an
   * erasure that deleted or rewrote its row while it was in hand could not delete that copy (written
   * after it looked).
   */
  private async markSent(message: ClaimedMessage, now: number): Promise<boolean> {
    const held = await this.outbox.markSent(message, now);
    if (held === message.payload) return false;
    // Not this try's row, but still there with the text sent: another worker claimed it again (its lease
    // lapsed), and no erasure rewrote it. Rewritten, this send's copy still names the erased person.
    if (held === undefined && (await this.outbox.findById(message.id))?.payload === message.payload) return false;
    return true;
  }

  /** Apart from recording the outcome: a folder that refuses the deletion says so, the row stays sent. */
  private async forgetCopy(message: ClaimedMessage): Promise<void> {
    try {
      await this.folder.forget([message.messageKey]);
    } catch (error) {
      this.logger.error(
        `The outbox folder's copy of message ${message.id}, whose row an erasure changed, was not deleted: ${describe(error)}`,
      );
    }
  }

  private async record<T>(message: ClaimedMessage, write: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= MARK_ATTEMPTS) {
          this.warnDown(`Outcome of message ${message.id} not recorded; it goes again when its lease lapses: ${describe(error)}`);
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
