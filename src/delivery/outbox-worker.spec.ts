import { Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock';
import { deliveryConfig } from '../config/namespaces';
import { ChannelSenders } from './channel-senders';
import { ClaimedMessage, DeliveryError, DeliveryLane, laneOf } from './outbox-message';
import { OutboxRepository } from './outbox.repository';
import { OutboxWorker } from './outbox-worker';

type Outcome =
  | { status: 'sent' }
  | { status: 'queued'; nextAttemptAt: number; error: string }
  | { status: 'failed'; error: string }
  | { status: 'released' };

/** The outbox table as the worker uses it: due messages to claim, and what became of each. */
class FakeOutbox {
  readonly due: ClaimedMessage[] = [];
  readonly outcomes = new Map<number, Outcome>();
  claims = 0;
  failClaims = false;
  /** When set, a claim reads the table as it is now but answers only once this settles (a slow query). */
  claimGate: Promise<void> | undefined;

  add(id: number, extra: Partial<ClaimedMessage> = {}): void {
    this.due.push({
      id,
      channel: 'email',
      kind: 'validation',
      recipient: `client${id}@example.com`,
      payload: '{}',
      messageKey: `key-${id}`,
      attempts: 0,
      dueAt: Date.now(),
      sendBefore: null,
      createdAt: Date.now(),
      ...extra,
    });
  }

  async claim(_now: number, limit: number, _leaseUntil: number, lane?: DeliveryLane): Promise<ClaimedMessage[]> {
    this.claims++;
    if (this.failClaims) throw new Error('database down');
    // Its snapshot is taken now: what is added meanwhile is not seen by this claim.
    const seen = this.take(limit, lane);
    if (this.claimGate) await this.claimGate;
    return seen.map((message) => ({ ...message, attempts: message.attempts + 1 }));
  }

  private take(limit: number, lane: DeliveryLane | undefined): ClaimedMessage[] {
    const taken = this.due.filter((message) => lane === undefined || laneOf(message.channel) === lane).slice(0, limit);
    for (const message of taken) this.due.splice(this.due.indexOf(message), 1);
    return taken;
  }

  async markSent(message: ClaimedMessage): Promise<void> {
    this.outcomes.set(message.id, { status: 'sent' });
  }

  async markFailedTry(
    message: ClaimedMessage,
    error: string,
    outcome: { status: 'queued'; nextAttemptAt: number } | { status: 'failed' },
  ): Promise<void> {
    this.outcomes.set(message.id, { ...outcome, error });
  }

  async release(message: ClaimedMessage): Promise<void> {
    this.outcomes.set(message.id, { status: 'released' });
  }
}

/** Sends as told: each message's send waits on a promise the test settles, or settles at once. */
class ControlledSenders {
  readonly started: number[] = [];
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>();
  hold = false;
  /** Channels whose sends wait, whatever `hold` says (a receiver that hangs). */
  readonly holdChannels = new Set<string>();
  failWith: Error | undefined;

  send(message: ClaimedMessage): Promise<void> {
    this.started.push(message.id);
    if (this.failWith) return Promise.reject(this.failWith);
    if (!this.hold && !this.holdChannels.has(message.channel)) return Promise.resolve();
    return new Promise((resolve, reject) => this.pending.set(message.id, { resolve, reject }));
  }

  get inFlight(): number {
    return this.pending.size;
  }

  finish(id: number): void {
    this.pending.get(id)?.resolve();
    this.pending.delete(id);
  }
}

const settings = (overrides: Partial<ConfigType<typeof deliveryConfig>> = {}): ConfigType<typeof deliveryConfig> => ({
  concurrency: 3,
  webhookConcurrency: 2,
  // Long: a test that passes sends because of a wake, not because of a poll.
  pollMs: 60_000,
  leaseMs: 25_000,
  webhookLeaseMs: 25_000,
  shutdownGraceMs: 100,
  ...overrides,
});

const until = async (condition: () => boolean, timeoutMs = 2000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe(OutboxWorker.name, () => {
  let outbox: FakeOutbox;
  let senders: ControlledSenders;
  let sut: OutboxWorker;

  const start = (overrides: Partial<ConfigType<typeof deliveryConfig>> = {}) => {
    sut = new OutboxWorker(outbox as unknown as OutboxRepository, senders as unknown as ChannelSenders, new Clock(), settings(overrides));
    sut.onApplicationBootstrap();
  };

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    outbox = new FakeOutbox();
    senders = new ControlledSenders();
  });

  afterEach(async () => {
    senders.hold = false;
    await sut?.beforeApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('sends what is due at start, and a message added later as soon as it is woken', async () => {
    outbox.add(1);
    start();
    await until(() => outbox.outcomes.get(1)?.status === 'sent');

    outbox.add(2);
    sut.wake();
    await until(() => outbox.outcomes.get(2)?.status === 'sent');
    expect(senders.started).toEqual([1, 2]);
  });

  it('claims again at once when woken while a claim that found nothing was running (a commit it could not see)', async () => {
    let answer!: () => void;
    outbox.claimGate = new Promise((resolve) => (answer = resolve));
    start();
    await until(() => outbox.claims === 1);
    // A transaction commits a message while the claim's query runs, and wakes the worker.
    outbox.add(1);
    sut.wake();
    outbox.claimGate = undefined;
    answer();
    // pollMs is a minute: only the wake can get it sent.
    await until(() => outbox.outcomes.get(1)?.status === 'sent');
  });

  it('keeps at most `concurrency` messages in hand, and takes the next as soon as one finishes', async () => {
    senders.hold = true;
    for (let id = 1; id <= 5; id++) outbox.add(id);
    start();
    await until(() => senders.inFlight === 3);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(senders.started).toEqual([1, 2, 3]);

    senders.finish(2);
    await until(() => senders.started.length === 4);
    expect(senders.inFlight).toBe(3);
    expect(outbox.outcomes.get(2)).toEqual({ status: 'sent' });
  });

  it('keeps places of their own for webhook calls: receivers that hang every call hold up no email or text', async () => {
    senders.holdChannels.add('webhook');
    for (let id = 1; id <= 6; id++) outbox.add(id, { channel: 'webhook', kind: 'webhook' });
    start();
    await until(() => senders.inFlight >= 2);
    outbox.add(7);
    outbox.add(8, { channel: 'sms', kind: 'queue_called' });
    sut.wake();
    await until(() => outbox.outcomes.get(7)?.status === 'sent' && outbox.outcomes.get(8)?.status === 'sent');
    // The webhook calls in hand are at most their own places' worth, the others wait their turn.
    expect(senders.inFlight).toBe(2);
    expect(senders.started.filter((id) => id <= 6)).toEqual([1, 2]);
  });

  it.each([
    ['a transient error', new Error('ECONNREFUSED'), 'queued'],
    ['a permanent refusal', new DeliveryError('550 no such user', true), 'failed'],
  ])('records %s as %s, with its reason', async (_, error, status) => {
    senders.failWith = error;
    outbox.add(1);
    const before = Date.now();
    start();
    await until(() => outbox.outcomes.has(1));
    const outcome = outbox.outcomes.get(1)!;
    expect(outcome).toMatchObject({ status, error: error.message });
    if (outcome.status === 'queued') {
      // The first retry comes within 5 s.
      expect(outcome.nextAttemptAt).toBeGreaterThanOrEqual(before + 1000);
      expect(outcome.nextAttemptAt).toBeLessThanOrEqual(Date.now() + 5000);
    }
  });

  it('marks failed, without sending, a message whose moment has passed', async () => {
    outbox.add(1, { sendBefore: Date.now() - 1 });
    start();
    await until(() => outbox.outcomes.has(1));
    expect(outbox.outcomes.get(1)).toMatchObject({ status: 'failed', error: expect.stringContaining('Not sent') });
    expect(senders.started).toEqual([]);
  });

  it('goes on after the outbox could not be read, at the next poll', async () => {
    outbox.failClaims = true;
    outbox.add(1);
    start({ pollMs: 20 });
    await until(() => outbox.claims >= 2);
    outbox.failClaims = false;
    await until(() => outbox.outcomes.get(1)?.status === 'sent');
  });

  it('on shutdown claims nothing more, lets a quick send finish, and hands back one that does not', async () => {
    senders.hold = true;
    outbox.add(1);
    outbox.add(2);
    start();
    await until(() => senders.inFlight === 2);
    setTimeout(() => senders.finish(1), 20);

    await sut.beforeApplicationShutdown();
    expect(outbox.outcomes.get(1)).toEqual({ status: 'sent' });
    expect(outbox.outcomes.get(2)).toEqual({ status: 'released' });

    const claims = outbox.claims;
    outbox.add(3);
    sut.wake();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(outbox.claims).toBe(claims);
  });
});

describe(ChannelSenders.name, () => {
  it('refuses for good, alone, a stored message that does not parse', async () => {
    const sut = new ChannelSenders(undefined as never, undefined as never, undefined as never);
    const attempt = sut.send({
      id: 1,
      channel: 'email',
      kind: 'validation',
      recipient: 'grace@example.com',
      payload: '{"to":',
      messageKey: 'key',
      attempts: 1,
      dueAt: 0,
      sendBefore: null,
      createdAt: 0,
    });
    await expect(attempt).rejects.toBeInstanceOf(DeliveryError);
    await expect(attempt).rejects.toMatchObject({ permanent: true });
  });
});
