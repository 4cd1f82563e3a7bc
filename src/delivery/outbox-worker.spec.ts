import { Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock';
import { deliveryConfig } from '../config/namespaces';
import { ChannelSenders } from './channel-senders';
import { OutboxFolder } from './outbox-folder';
import { ClaimedMessage, DeliveryError, DeliveryLane, laneOf } from './outbox-message';
import { OutboxRepository } from './outbox.repository';
import { CALLS_PER_WEBHOOK, OutboxWorker } from './outbox-worker';

type Outcome =
  | { status: 'sent' }
  | { status: 'queued'; nextAttemptAt: number; error: string }
  | { status: 'failed'; error: string }
  | { status: 'released' };

/** The outbox table as the worker uses it: due messages to claim, and what became of each. */
class FakeOutbox {
  readonly due: ClaimedMessage[] = [];
  /** Claimed and not settled yet, as the table holds them (their try counted). */
  private readonly leased = new Map<number, ClaimedMessage>();
  readonly outcomes = new Map<number, Outcome>();
  /** The try count each sent message was sent with. */
  readonly sentOnTry = new Map<number, number>();
  claims = 0;
  /** Claims that have answered (or failed). */
  private answered = 0;
  /** The webhooks each claim was told to skip. */
  readonly skipped: number[][] = [];
  unclaimed = 0;
  markSentCalls = 0;
  failClaims = false;
  /** A table that ignores the skip list: every claim may answer calls the worker must hand back. */
  ignoreSkip = false;
  /** When set, a claim reads the table as it is now but answers only once this settles (a slow query). */
  claimGate: Promise<void> | undefined;
  /** Rows an erasure deleted, and the texts it rewrote, while their messages were in hand. */
  private readonly erased = new Set<number>();
  private readonly rewritten = new Map<number, string>();
  /** The ids looked up with findById, in order. */
  readonly lookedUp: number[] = [];

  add(id: number, extra: Partial<ClaimedMessage> = {}): void {
    this.due.push({
      id,
      channel: 'email',
      kind: 'validation',
      recipient: `client${id}@example.com`,
      payload: '{}',
      messageKey: `key-${id}`,
      attempts: 0,
      webhookId: null,
      dueAt: Date.now(),
      sendBefore: null,
      createdAt: Date.now(),
      ...extra,
    });
  }

  /**
   * Claimed at least once, and no claim running. The worker goes from one claim to the next without
   * giving timers a turn, so a test that polls on a timer finds it quiet only once it has paused.
   */
  get quiet(): boolean {
    return this.claims > 0 && this.answered === this.claims;
  }

  async claim(
    _now: number,
    limit: number,
    _leaseUntil: number,
    lane?: DeliveryLane,
    skipWebhooks: readonly number[] = [],
  ): Promise<ClaimedMessage[]> {
    this.claims++;
    try {
      this.skipped.push([...skipWebhooks]);
      if (this.failClaims) throw new Error('database down');
      // Its snapshot is taken now: what is added meanwhile is not seen by this claim.
      const seen = this.take(limit, lane, this.ignoreSkip ? [] : skipWebhooks);
      // A query answers in a later turn of the event loop: a worker that claimed in a loop would not starve timers.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.claimGate) await this.claimGate;
      return seen.map((message) => ({ ...message }));
    } finally {
      this.answered++;
    }
  }

  private take(limit: number, lane: DeliveryLane | undefined, skipWebhooks: readonly number[]): ClaimedMessage[] {
    const taken = this.due
      .filter((message) => lane === undefined || laneOf(message.channel) === lane)
      .filter((message) => message.webhookId === null || !skipWebhooks.includes(message.webhookId))
      .slice(0, limit);
    for (const message of taken) {
      this.due.splice(this.due.indexOf(message), 1);
      this.leased.set(message.id, { ...message, attempts: message.attempts + 1 });
    }
    return taken.map((message) => this.leased.get(message.id)!);
  }

  /** As the table: fenced by the try count; back in its place in the order, the try not counted. */
  async unclaim(messages: readonly ClaimedMessage[]): Promise<void> {
    for (const message of messages) {
      const row = this.leased.get(message.id);
      if (row?.attempts !== message.attempts) continue;
      this.leased.delete(message.id);
      this.unclaimed++;
      const at = this.due.findIndex((other) => other.id > message.id);
      this.due.splice(at === -1 ? this.due.length : at, 0, { ...row, attempts: row.attempts - 1 });
    }
  }

  /** As an erasure does: the row of a message to the erased person is deleted, one that names it rewritten. */
  erase(id: number): void {
    this.erased.add(id);
  }

  rewrite(id: number, payload: string): void {
    this.rewritten.set(id, payload);
  }

  /** Another worker claims the message again, its lease having lapsed: the try count moves on. */
  claimAgain(id: number): void {
    const row = this.leased.get(id)!;
    this.leased.set(id, { ...row, attempts: row.attempts + 1 });
  }

  /** As the table: fenced by the try count; answers the text the row holds. */
  async markSent(message: ClaimedMessage): Promise<string | undefined> {
    this.markSentCalls++;
    if (this.erased.has(message.id) || this.leased.get(message.id)?.attempts !== message.attempts) return undefined;
    this.outcomes.set(message.id, { status: 'sent' });
    this.sentOnTry.set(message.id, message.attempts);
    return this.rewritten.get(message.id) ?? message.payload;
  }

  async findById(id: number): Promise<{ id: number; payload: string } | null> {
    this.lookedUp.push(id);
    if (this.erased.has(id)) return null;
    return { id, payload: this.rewritten.get(id) ?? this.leased.get(id)!.payload };
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

/** The outbox folder's copies: which keys the worker asked to forget. */
class RecordingFolder {
  readonly forgotten: string[] = [];
  /** A folder that refuses deletions (its permissions changed). */
  refuses = false;

  async forget(messageKeys: readonly string[]): Promise<void> {
    this.forgotten.push(...messageKeys);
    if (this.refuses) throw new Error('EACCES: permission denied');
  }
}

/** Sends as told: each message's send waits on a promise the test settles, or settles at once. */
class ControlledSenders {
  readonly started: number[] = [];
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>();
  hold = false;
  /** Channels whose sends wait, whatever `hold` says (a receiver that hangs). */
  readonly holdChannels = new Set<string>();
  /** Webhooks whose calls wait, whatever `hold` says (one subscriber's receiver that hangs). */
  readonly holdWebhooks = new Set<number>();
  failWith: Error | undefined;
  private readonly callsInFlight = new Map<number, number>();
  /** The most calls to each webhook that were in flight at once. */
  readonly mostCallsInFlight = new Map<number, number>();

  send(message: ClaimedMessage): Promise<void> {
    this.started.push(message.id);
    if (this.failWith) return Promise.reject(this.failWith);
    const held =
      this.hold || this.holdChannels.has(message.channel) || (message.webhookId !== null && this.holdWebhooks.has(message.webhookId));
    const sending = held ? new Promise<void>((resolve, reject) => this.pending.set(message.id, { resolve, reject })) : Promise.resolve();
    const webhookId = message.webhookId;
    if (webhookId === null) return sending;
    const calls = (this.callsInFlight.get(webhookId) ?? 0) + 1;
    this.callsInFlight.set(webhookId, calls);
    this.mostCallsInFlight.set(webhookId, Math.max(calls, this.mostCallsInFlight.get(webhookId) ?? 0));
    return sending.finally(() => this.callsInFlight.set(webhookId, this.callsInFlight.get(webhookId)! - 1));
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

// Generous: on a loaded machine a few turns of the event loop can take seconds. A condition met returns at once.
const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe(OutboxWorker.name, () => {
  let outbox: FakeOutbox;
  let senders: ControlledSenders;
  let folder: RecordingFolder;
  let sut: OutboxWorker;

  const start = (overrides: Partial<ConfigType<typeof deliveryConfig>> = {}) => {
    sut = new OutboxWorker(
      outbox as unknown as OutboxRepository,
      senders as unknown as ChannelSenders,
      new Clock(),
      settings(overrides),
      folder as unknown as OutboxFolder,
    );
    sut.onApplicationBootstrap();
  };

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    outbox = new FakeOutbox();
    senders = new ControlledSenders();
    folder = new RecordingFolder();
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
    expect(folder.forgotten).toEqual([]);
  });

  describe('a message an erasure reached while it was in hand', () => {
    /** Message 1 claimed, its send under way until the test finishes it. */
    const oneMessageInHand = async () => {
      senders.hold = true;
      outbox.add(1);
      start();
      await until(() => senders.inFlight === 1);
    };

    // The erasure deleted the copies it found in the outbox folder before it committed; this send's copy
    // came after. Left there, it would keep the erased person's name, address or phone.
    it.each([
      ['deleted (a message to the erased person)', (id: number) => outbox.erase(id)],
      ['rewritten (a message naming the erased person)', (id: number) => outbox.rewrite(id, '{"erased":true}')],
    ])('deletes the copy its send left in the outbox folder when its row was %s', async (_how, erase) => {
      senders.hold = true;
      outbox.add(1);
      outbox.add(2);
      start();
      await until(() => senders.inFlight === 2);

      erase(1);
      senders.finish(1);
      senders.finish(2);

      await until(() => folder.forgotten.length > 0 && outbox.outcomes.get(2)?.status === 'sent');
      expect(folder.forgotten).toEqual(['key-1']);
    });

    it('keeps the copy of a message another worker claimed again (its lease lapsed): no erasure, and that copy is its too', async () => {
      await oneMessageInHand();

      outbox.claimAgain(1);
      senders.finish(1);

      await until(() => outbox.lookedUp.includes(1));
      await new Promise((resolve) => setImmediate(resolve));
      expect(folder.forgotten).toEqual([]);
    });

    it('tries the deletion once, apart from recording the send: a folder that refuses it leaves the row sent and says so', async () => {
      folder.refuses = true;
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      await oneMessageInHand();

      outbox.erase(1);
      senders.finish(1);

      await until(() => errors.mock.calls.length > 0);
      expect(errors.mock.calls[0][0]).toContain('was not deleted: EACCES');
      // markSent ran once: a refused deletion is not an outcome that failed to be recorded.
      expect(outbox.markSentCalls).toBe(1);
      expect(folder.forgotten).toEqual(['key-1']);
    });

    it('deletes the copy of a message claimed again (its lease lapsed) whose row an erasure rewrote meanwhile', async () => {
      await oneMessageInHand();

      // The other worker's claim moved the try count on; the erasure, before this send wrote its copy, rewrote the row.
      outbox.claimAgain(1);
      outbox.rewrite(1, '{"erased":true}');
      senders.finish(1);

      await until(() => folder.forgotten.length > 0);
      expect(folder.forgotten).toEqual(['key-1']);
    });
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
    await until(() => senders.inFlight === 3 && outbox.quiet);
    expect(senders.started).toEqual([1, 2, 3]);

    senders.finish(2);
    await until(() => senders.started.length === 4);
    expect(senders.inFlight).toBe(3);
    expect(outbox.outcomes.get(2)).toEqual({ status: 'sent' });
  });

  it('keeps places of their own for webhook calls: receivers that hang every call hold up no email or text', async () => {
    senders.holdChannels.add('webhook');
    for (let id = 1; id <= 6; id++) outbox.add(id, { channel: 'webhook', kind: 'webhook', webhookId: id });
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

  describe('calls to one webhook', () => {
    const call = (id: number, webhookId: number) => outbox.add(id, { channel: 'webhook', kind: 'webhook', webhookId });
    const sentIds = () => [...outbox.outcomes].filter(([, outcome]) => outcome.status === 'sent').map(([id]) => id);

    it(`holds at most ${CALLS_PER_WEBHOOK} places for a receiver that hangs; the others' calls and emails go at once, and the rest follow, each once`, async () => {
      senders.holdWebhooks.add(1);
      // Twenty calls to the hanging receiver due at once, and one to another subscriber behind them.
      for (let id = 1; id <= 20; id++) call(id, 1);
      call(21, 2);
      start({ webhookConcurrency: 8 });
      await until(() => outbox.outcomes.get(21)?.status === 'sent');
      expect(senders.inFlight).toBe(CALLS_PER_WEBHOOK);
      // The first batch held 8 of its calls: 2 kept, the others handed back, the next claim skipped it.
      expect(outbox.unclaimed).toBeGreaterThanOrEqual(6);
      expect(outbox.skipped).toContainEqual([1]);

      // Meanwhile, more calls to the other subscriber and emails go at once.
      call(22, 2);
      call(23, 2);
      outbox.add(24);
      outbox.add(25, { channel: 'sms', kind: 'queue_called' });
      sut.wake();
      await until(() => [22, 23, 24, 25].every((id) => outbox.outcomes.get(id)?.status === 'sent'));
      expect(senders.inFlight).toBe(CALLS_PER_WEBHOOK);
      expect(senders.started.filter((id) => id <= 20)).toEqual([1, 2]);

      // The receiver answers again: the hung calls finish and the rest are sent, none lost, none twice.
      senders.holdWebhooks.delete(1);
      senders.finish(1);
      senders.finish(2);
      await until(() => sentIds().length === 25);
      expect([...senders.started].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(senders.mostCallsInFlight.get(1)).toBe(CALLS_PER_WEBHOOK);
      // Handing back did not count a try: each call went on its first.
      expect([...outbox.sentOnTry.values()].every((attempts) => attempts === 1)).toBe(true);
      expect(outbox.due).toEqual([]);
    });

    it('claims no more while the only calls due are to webhooks at their cap (no spin)', async () => {
      senders.holdWebhooks.add(1);
      for (let id = 1; id <= 20; id++) call(id, 1);
      start({ webhookConcurrency: 8 });
      // A worker that claimed again and again would never be found quiet.
      await until(() => senders.inFlight === CALLS_PER_WEBHOOK && outbox.quiet);
      const claims = outbox.claims;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(outbox.claims).toBe(claims);
      expect(outbox.due).toHaveLength(18);
    });

    it('does not loop on a claim that answers only calls it must hand back (a table that ignores the skip list)', async () => {
      outbox.ignoreSkip = true;
      senders.holdWebhooks.add(1);
      for (let id = 1; id <= 20; id++) call(id, 1);
      start({ webhookConcurrency: 8 });
      await until(() => senders.inFlight === CALLS_PER_WEBHOOK && outbox.quiet);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // The first batch (2 kept, 6 back) and one more that found only handed-back calls; then the poll.
      expect(outbox.claims).toBeLessThanOrEqual(4);
      expect(senders.started).toEqual([1, 2]);
      expect(outbox.due).toHaveLength(18);
    });
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

  it('shuts down at once when the stop comes while a claim is running (no wait for the poll)', async () => {
    let answer!: () => void;
    outbox.claimGate = new Promise((resolve) => (answer = resolve));
    start();
    await until(() => outbox.claims === 1);
    let stopped = false;
    const stopping = sut.beforeApplicationShutdown().then(() => (stopped = true));
    answer();
    // pollMs is a minute: a loop that paused after this claim would hold the shutdown that long.
    await until(() => stopped);
    await stopping;
  });

  it('claims no other lane once the stop comes while a claim is running', async () => {
    let answer!: () => void;
    outbox.claimGate = new Promise((resolve) => (answer = resolve));
    outbox.add(1, { channel: 'webhook', kind: 'webhook', webhookId: 1 });
    start();
    // The emails' and texts' lane is claimed first; the call waits in the other.
    await until(() => outbox.claims === 1);
    const stopping = sut.beforeApplicationShutdown();
    outbox.claimGate = undefined;
    answer();
    await stopping;
    expect(outbox.claims).toBe(1);
    expect(senders.started).toEqual([]);
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
      webhookId: null,
      dueAt: 0,
      sendBefore: null,
      createdAt: 0,
    });
    await expect(attempt).rejects.toBeInstanceOf(DeliveryError);
    await expect(attempt).rejects.toMatchObject({ permanent: true });
  });
});
