import { firstValueFrom, take, toArray } from 'rxjs';
import { ADMIN } from '../access/caller';
import { AppError } from '../common/app-error';
import { EmailPayload, SmsPayload } from '../delivery/outbox-message';
import { HARNESS_START, HARNESS_TODAY, ServiceHarness } from '../../test/support/service-harness';
import { QueueJoinService } from './queue-join.service';

const MAX_REMOTE = 2;
const LINK_MINUTES = 30;

describe(QueueJoinService.name, () => {
  let harness: ServiceHarness;
  let sut: QueueJoinService;
  let providerId: number;

  beforeEach(async () => {
    harness = await ServiceHarness.create({ maxRemote: MAX_REMOTE });
    sut = harness.queueJoin;
    providerId = await harness.addProvider();
  });

  afterEach(() => harness.close());

  const queueNow = () => harness.queue.view(providerId, undefined, ADMIN);
  const links = () =>
    harness.outbox.messages
      .filter((message) => message.kind === 'validation')
      .map((message) => (message.channel === 'email' ? message.payload.link! : /https?:\/\/\S+/.exec(message.payload.body)![0]));
  const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;
  /** Asks to join and answers the token of the link that was sent. */
  const ask = async (contact: { phone?: string; email?: string }, name = 'Remote Person') => {
    await sut.request({ provider_id: providerId, name, ...contact });
    return tokenOf(links().at(-1)!);
  };
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  };

  describe('request', () => {
    it('emails the link when only an address is given, and stores nothing', async () => {
      await expect(sut.request({ provider_id: providerId, name: ' Grace ', email: 'grace@example.com' })).resolves.toEqual({
        status: 'link_sent',
        provider_id: providerId,
        date: HARNESS_TODAY,
        sent_by: 'email',
        expires_at: new Date(HARNESS_START + LINK_MINUTES * 60_000).toISOString(),
      });
      expect(harness.outbox.messages).toEqual([
        expect.objectContaining({ channel: 'email', kind: 'validation', appointmentId: null, providerId }),
      ]);
      const mail = harness.outbox.messages[0].payload as EmailPayload;
      expect(mail).toMatchObject({ to: 'grace@example.com', toName: 'Grace', subject: 'Join the queue of Provider 1' });
      expect(mail.text).toContain(mail.link);
      expect(mail.link).toMatch(/^http:\/\/scheduler\.test\/api\/queue\/join\/entry\?token=/);
      expect(mail.text).toContain('2030-03-04 09:30 (Europe/Paris)');
      await expect(queueNow()).resolves.toMatchObject({ entries: [] });
    });

    it('texts the link when a phone is given, even with an address', async () => {
      await sut.request({ provider_id: providerId, name: 'Alan', phone: '+14155550100', email: 'alan@example.com' });
      expect(harness.outbox.messages).toEqual([expect.objectContaining({ channel: 'sms', kind: 'validation' })]);
      const text = harness.outbox.messages[0].payload as SmsPayload;
      expect(text.to).toBe('+14155550100');
      expect(text.body).toMatch(
        /^Join the queue of Provider 1: open http:\/\/scheduler\.test\/api\/queue\/join\/entry\?token=\S+ and press/,
      );
    });

    it('refuses an unknown provider', async () => {
      await expect(refusal(sut.request({ provider_id: 9999, name: 'Nobody', email: 'n@example.com' }))).resolves.toBe('PROVIDER_NOT_FOUND');
      expect(harness.outbox.messages).toEqual([]);
    });
  });

  describe('press', () => {
    it('checks in a walk-in without a client from that moment; pressed again, the same entry', async () => {
      const token = await ask({ email: 'grace@example.com' }, 'Grace');
      harness.clock.advance(5);

      const entry = await sut.press(token);
      await expect(sut.press(token)).resolves.toMatchObject({ entry_id: entry.entry_id });

      expect(entry).toMatchObject({
        status: 'waiting',
        position: 1,
        client_id: null,
        remote: true,
        remote_name: 'Grace',
        appointment_id: null,
        booked_minutes: 15,
        checked_in_at: new Date(HARNESS_START + 5 * 60_000).toISOString(),
      });
      await expect(queueNow()).resolves.toMatchObject({ entries: [expect.objectContaining({ entry_id: entry.entry_id })] });
      expect(harness.emitted('queue.checked_in')).toEqual([expect.objectContaining({ entryId: entry.entry_id, clientId: null })]);
    });

    it.each([
      // Asked for at 09:00 in Paris, pressed at 09:31.
      ['its 30 minutes are over', HARNESS_START, HARNESS_START + (LINK_MINUTES + 1) * 60_000],
      // Asked for at 23:50 in Paris, pressed at 00:10: within its 30 minutes, but another day's queue.
      ['its day is over', Date.parse('2030-03-04T22:50:00Z'), Date.parse('2030-03-04T23:10:00Z')],
    ])('joins nothing once %s: 410 HOLD_EXPIRED, the page too', async (_why, askedAt, pressedAt) => {
      harness.clock.set(askedAt);
      const token = await ask({ email: 'late@example.com' });
      harness.clock.set(pressedAt);
      await expect(refusal(sut.press(token))).resolves.toBe('HOLD_EXPIRED');
      await expect(refusal(sut.open(token))).resolves.toBe('HOLD_EXPIRED');
      await expect(harness.queue.view(providerId, HARNESS_TODAY, ADMIN)).resolves.toMatchObject({ entries: [] });
    });

    it('still shows the entry after the link’s 30 minutes once it was pressed', async () => {
      const token = await ask({ email: 'grace@example.com' });
      await expect(sut.open(token)).resolves.toMatchObject({ joined: false, claims: { date: HARNESS_TODAY } });
      const entry = await sut.press(token);
      harness.clock.advance(120);
      await expect(sut.open(token)).resolves.toMatchObject({ joined: true, entry: { entry_id: entry.entry_id, position: 1 } });
      await expect(sut.press(token)).resolves.toMatchObject({ entry_id: entry.entry_id });
    });

    it(`lets at most QUEUE_MAX_REMOTE (${MAX_REMOTE}) remote entries wait: asking and pressing past it are 409 QUEUE_FULL`, async () => {
      const tokens = [await ask({ email: 'a@example.com' }), await ask({ email: 'b@example.com' }), await ask({ email: 'c@example.com' })];
      await sut.press(tokens[0]);
      await sut.press(tokens[1]);
      await expect(refusal(sut.press(tokens[2]))).resolves.toBe('QUEUE_FULL');
      const written = harness.outbox.messages.length;
      await expect(refusal(sut.request({ provider_id: providerId, name: 'D', email: 'd@example.com' }))).resolves.toBe('QUEUE_FULL');
      expect(harness.outbox.messages).toHaveLength(written);

      // Walk-ins with a client record do not count; a remote entry called no longer waits.
      const walkIn = await harness.addClient();
      await harness.queue.checkIn({ provider_id: providerId, client_id: walkIn }, ADMIN);
      await expect(refusal(sut.press(tokens[2]))).resolves.toBe('QUEUE_FULL');
      await harness.queue.next(providerId, ADMIN);
      await expect(sut.press(tokens[2])).resolves.toMatchObject({ remote: true, position: 3 });
    });
  });

  describe('the queue’s notices', () => {
    it('reach the phone and the address typed: "your turn" by text, "you\'re next" by email', async () => {
      await sut.press(await ask({ phone: '+14155550111' }, 'By Text'));
      await sut.press(await ask({ email: 'mail@example.com' }, 'By Mail'));

      await harness.queue.next(providerId, ADMIN);

      const notices = harness.outbox.messages.filter((message) => message.kind !== 'validation');
      expect(notices).toEqual([
        expect.objectContaining({
          kind: 'queue_called',
          channel: 'sms',
          payload: { to: '+14155550111', body: expect.stringMatching(/your turn/) },
        }),
        expect.objectContaining({
          kind: 'queue_next',
          channel: 'email',
          payload: expect.objectContaining({ to: 'mail@example.com', toName: 'By Mail' }),
        }),
      ]);
    });
  });

  describe('follow', () => {
    it('needs the link pressed first, then gives the entry', async () => {
      const token = await ask({ email: 'grace@example.com' });
      await expect(refusal(sut.follow(token))).resolves.toBe('NOT_FOUND');
      const entry = await sut.press(token);
      const { events } = await sut.follow(token);
      await expect(firstValueFrom(events.pipe(take(1), toArray()))).resolves.toEqual([
        expect.objectContaining({ event: 'entry', data: expect.objectContaining({ entry_id: entry.entry_id, position: 1 }) }),
      ]);
    });

    it('refuses a token of another kind', async () => {
      await expect(
        refusal(sut.follow(harness.manageLinks.tokenFor({ id: 1, revision: 0, startAt: HARNESS_START + 3_600_000 }))),
      ).resolves.toBe('TOKEN_INVALID');
    });
  });
});
