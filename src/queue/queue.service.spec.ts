import { ADMIN } from '../access/caller';
import { client, HARNESS_TODAY, provider, ServiceHarness } from '../../test/support/service-harness';
import { AVERAGE_ALPHA, WALK_IN_MINUTES } from './expected-wait';
import { QueueService } from './queue.service';

/** Slots of 10:00 and 10:15 wall-clock; the harness's clock starts at 09:00 in the provider's zone. */
const TEN_AM = 40;
const TOMORROW = '2030-03-05';

describe(QueueService.name, () => {
  let harness: ServiceHarness;
  let sut: QueueService;
  let providerId: number;
  let ann: number;
  let bob: number;

  beforeEach(async () => {
    harness = await ServiceHarness.create();
    sut = harness.queue;
    providerId = await harness.addProvider();
    ann = await harness.addClient('+14155550101');
    bob = await harness.addClient();
    await harness.publish(providerId, HARNESS_TODAY, '10:00', '12:00');
  });

  afterEach(() => harness.close());

  /** A walk-in, checked in by the front desk; the clock moves a minute so check-in order is plain. */
  const walkIn = async (clientId: number) => {
    const entry = await sut.checkIn({ provider_id: providerId, client_id: clientId }, provider(providerId));
    harness.clock.advance(1);
    return entry;
  };
  const queueNow = () => sut.view(providerId, undefined, ADMIN);

  describe('checkIn', () => {
    it('puts a confirmed appointment of today in line, once however often it checks in', async () => {
      const appointmentId = await harness.book(providerId, ann, TEN_AM);

      const entry = await sut.checkIn({ appointment_id: appointmentId }, client(ann));
      await expect(sut.checkIn({ appointment_id: appointmentId }, client(ann))).resolves.toMatchObject({ entry_id: entry.entry_id });

      expect(entry).toMatchObject({
        status: 'waiting',
        position: 1,
        appointment_id: appointmentId,
        expected_start: '2030-03-04T09:00:00.000Z',
      });
      expect((await queueNow()).entries.map((e) => e.entry_id)).toEqual([entry.entry_id]);
      expect(harness.emitted('queue.checked_in')).toEqual([
        expect.objectContaining({ entryId: entry.entry_id, appointmentId, clientId: ann }),
      ]);
    });

    it.each([
      { why: 'is still pending', make: async () => (await harness.request(providerId, ann, TEN_AM)).appointmentId },
      {
        why: 'is on another day',
        make: async () => {
          await harness.publish(providerId, TOMORROW, '10:00', '11:00');
          return harness.book(providerId, ann, TEN_AM, TOMORROW);
        },
      },
    ])('refuses an appointment that $why (CHECK_IN_REFUSED, 409), changing nothing', async ({ make }) => {
      const appointmentId = await make();

      await expect(sut.checkIn({ appointment_id: appointmentId }, client(ann))).rejects.toMatchObject({
        code: 'CHECK_IN_REFUSED',
        status: 409,
      });
      expect((await queueNow()).entries).toEqual([]);
      expect(harness.emitted('queue.checked_in')).toEqual([]);
    });
  });

  describe('next', () => {
    const notices = () => harness.outbox.messages.filter((message) => message.kind.startsWith('queue_'));

    it('calls the first in line and writes, with the call, a text that it is their turn and an email to the next that they are next', async () => {
      const first = await walkIn(ann);
      const second = await walkIn(bob);

      const called = await sut.next(providerId, provider(providerId));

      expect(called).toMatchObject({ completed: null, now_serving: { entry_id: first.entry_id, status: 'called', position: 0 } });
      const queue = await queueNow();
      expect(queue.entries.map((e) => [e.entry_id, e.position])).toEqual([
        [first.entry_id, 0],
        [second.entry_id, 1],
      ]);
      // The called client first; Ann has a phone, Bob has none.
      expect(notices()).toEqual([
        {
          channel: 'sms',
          kind: 'queue_called',
          appointmentId: null,
          providerId,
          payload: { to: '+14155550101', body: "It's your turn: Provider 1 is ready for you now." },
        },
        {
          channel: 'email',
          kind: 'queue_next',
          appointmentId: null,
          providerId,
          payload: expect.objectContaining({
            to: 'client3@scheduler.test',
            toName: 'Client 3',
            subject: "You're next in line for Provider 1",
          }),
        },
      ]);
      const mail = harness.outbox.emails('queue_next')[0];
      expect(mail.text).toContain(`about ${queue.entries[1].expected_wait_minutes} min`);
      expect(harness.emitted('queue.called')).toEqual([
        expect.objectContaining({ entryId: first.entry_id, calledAt: harness.clock.nowMs() }),
      ]);
    });

    it('names the appointment of a booked client, and texts them how long to expect', async () => {
      const carol = await harness.addClient('+14155550103');
      const appointmentId = await harness.book(providerId, carol, TEN_AM);
      await sut.checkIn({ appointment_id: appointmentId }, client(carol));
      await walkIn(ann); // at 09:00, ahead of Carol's 10:00

      await sut.next(providerId, provider(providerId));

      const wait = (await queueNow()).entries[1].expected_wait_minutes;
      expect(wait).toBeGreaterThan(50); // never before 10:00
      expect(notices()).toEqual([
        expect.objectContaining({ kind: 'queue_called', appointmentId: null, payload: expect.objectContaining({ to: '+14155550101' }) }),
        {
          channel: 'sms',
          kind: 'queue_next',
          appointmentId,
          providerId,
          payload: { to: '+14155550103', body: `You're next for Provider 1 (about ${wait} min). Please stay close to the waiting room.` },
        },
      ]);
    });

    it('texts a guest booking at the phone typed with it, not the client record (which keeps none)', async () => {
      const pending = await harness.appointments.request(
        { provider_id: providerId, client_id: bob, date: HARNESS_TODAY, requested_slot: TEN_AM },
        client(bob),
        { name: 'Bob as typed', phone: '+14155550199' },
      );
      await harness.confirmations.confirm(harness.outbox.tokenFor(pending.appointment_id));
      await sut.checkIn({ appointment_id: pending.appointment_id }, client(bob));

      await sut.next(providerId, provider(providerId));

      expect(notices()).toEqual([
        expect.objectContaining({
          channel: 'sms',
          kind: 'queue_called',
          appointmentId: pending.appointment_id,
          payload: expect.objectContaining({ to: '+14155550199' }),
        }),
      ]);
    });

    it('finishes the one being served, learning how long it took, and calls the next', async () => {
      const first = await walkIn(ann);
      const second = await walkIn(bob);
      await sut.next(providerId, provider(providerId));
      const calledAt = harness.clock.nowMs();
      harness.clock.advance(12);

      const outcome = await sut.next(providerId, provider(providerId));

      expect(outcome).toMatchObject({
        completed: { entry_id: first.entry_id, status: 'done' },
        now_serving: { entry_id: second.entry_id },
      });
      // The moving average starts at the booked 15 minutes and moves toward the 12 measured.
      expect((await queueNow()).average_service_minutes).toBeCloseTo((1 - AVERAGE_ALPHA) * WALK_IN_MINUTES + AVERAGE_ALPHA * 12, 1);
      expect(harness.emitted('queue.done')).toEqual([
        expect.objectContaining({ entryId: first.entry_id, calledAt, finishedAt: harness.clock.nowMs() }),
      ]);
      // Bob was told he was next, then that it is his turn; nobody is left to be next.
      expect(notices().map((message) => [message.kind, message.payload.to])).toEqual([
        ['queue_called', '+14155550101'],
        ['queue_next', 'client3@scheduler.test'],
        ['queue_called', 'client3@scheduler.test'],
      ]);
    });

    it('answers QUEUE_EMPTY (409) when nobody is in line, writing nothing', async () => {
      await expect(sut.next(providerId, provider(providerId))).rejects.toMatchObject({ code: 'QUEUE_EMPTY', status: 409 });
      expect(notices()).toEqual([]);
    });

    it('calls nobody when its notices cannot be written: the call and its messages commit together', async () => {
      const first = await walkIn(ann);
      jest.spyOn(harness.outbox, 'add').mockRejectedValueOnce(new Error('outbox down'));

      await expect(sut.next(providerId, provider(providerId))).rejects.toThrow('outbox down');

      expect((await queueNow()).entries).toEqual([expect.objectContaining({ entry_id: first.entry_id, status: 'waiting', position: 1 })]);
      expect(harness.emitted('queue.called')).toEqual([]);
      await expect(sut.next(providerId, provider(providerId))).resolves.toMatchObject({ now_serving: { entry_id: first.entry_id } });
      expect(notices()).toEqual([
        expect.objectContaining({ kind: 'queue_called', payload: expect.objectContaining({ to: '+14155550101' }) }),
      ]);
    });

    it('calls again, telling the right people, when someone checks in ahead while the clients are read', async () => {
      const first = await walkIn(ann);
      const read = harness.clientsRepository.findByIds.bind(harness.clientsRepository);
      // Bob walks in after the queue was read, before the call: he is next, and was not read.
      const findByIds = jest.spyOn(harness.clientsRepository, 'findByIds').mockImplementationOnce(async (ids) => {
        const clients = await read(ids);
        await walkIn(bob);
        return clients;
      });

      await sut.next(providerId, provider(providerId));

      // The call's read, Bob's check-in's read, and the call's second read.
      expect(findByIds).toHaveBeenCalledTimes(3);
      expect((await queueNow()).entries.map((e) => [e.client_id, e.status, e.position])).toEqual([
        [ann, 'called', 0],
        [bob, 'waiting', 1],
      ]);
      expect(harness.emitted('queue.called')).toEqual([expect.objectContaining({ entryId: first.entry_id })]);
      expect(notices().map((message) => [message.kind, message.payload.to])).toEqual([
        ['queue_called', '+14155550101'],
        ['queue_next', 'client3@scheduler.test'],
      ]);
    });
  });

  describe('noShow', () => {
    it('takes the entry out at the provider’s word, and everyone behind moves up', async () => {
      const first = await walkIn(ann);
      const second = await walkIn(bob);

      await expect(sut.noShow(first.entry_id, provider(providerId))).resolves.toMatchObject({ status: 'no_show', position: null });

      expect((await queueNow()).entries).toEqual([expect.objectContaining({ entry_id: second.entry_id, position: 1 })]);
      expect(harness.emitted('queue.no_show')).toEqual([expect.objectContaining({ entryId: first.entry_id })]);
    });

    it('refuses the client’s own word for it (FORBIDDEN, 403), changing nothing', async () => {
      const entry = await walkIn(ann);

      await expect(sut.noShow(entry.entry_id, client(ann))).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
      expect((await queueNow()).entries).toEqual([expect.objectContaining({ entry_id: entry.entry_id, status: 'waiting' })]);
    });
  });

  describe('leaveQueue', () => {
    it('lets a client leave once; leaving again is ENTRY_CLOSED (409)', async () => {
      const entry = await walkIn(ann);

      await expect(sut.leaveQueue(entry.entry_id, client(ann))).resolves.toMatchObject({ status: 'left' });
      await expect(sut.leaveQueue(entry.entry_id, client(ann))).rejects.toMatchObject({ code: 'ENTRY_CLOSED', status: 409 });

      expect((await queueNow()).entries).toEqual([]);
      expect(harness.emitted('queue.left')).toEqual([expect.objectContaining({ entryId: entry.entry_id })]);
    });
  });

  describe('on appointment.cancelled', () => {
    it('takes the cancelled appointment out of its queue: nobody calls a client who cancelled', async () => {
      const appointmentId = await harness.book(providerId, ann, TEN_AM);
      const entry = await sut.checkIn({ appointment_id: appointmentId }, client(ann));

      await harness.appointments.cancel(appointmentId, client(ann));

      await expect(sut.entry(entry.entry_id, ADMIN)).resolves.toMatchObject({ status: 'left' });
      expect(harness.emitted('queue.left')).toEqual([expect.objectContaining({ entryId: entry.entry_id, appointmentId })]);
      await expect(sut.next(providerId, provider(providerId))).rejects.toMatchObject({ code: 'QUEUE_EMPTY' });
    });
  });

  describe('setPriority', () => {
    it('moves a priority entry to the front, and the next call follows the same order', async () => {
      const first = await walkIn(ann);
      const second = await walkIn(bob);

      await expect(sut.setPriority(second.entry_id, { priority: true }, provider(providerId))).resolves.toMatchObject({
        entry_id: second.entry_id,
        priority: true,
        position: 1,
      });

      expect((await queueNow()).entries.map((e) => [e.entry_id, e.position])).toEqual([
        [second.entry_id, 1],
        [first.entry_id, 2],
      ]);
      await expect(sut.next(providerId, provider(providerId))).resolves.toMatchObject({ now_serving: { entry_id: second.entry_id } });
    });

    it("refuses the client's own word (FORBIDDEN, 403) and a finished entry (ENTRY_CLOSED, 409), changing nothing", async () => {
      const entry = await walkIn(ann);
      await expect(sut.setPriority(entry.entry_id, { priority: true }, client(ann))).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await sut.leaveQueue(entry.entry_id, client(ann));
      const revision = (await queueNow()).revision;

      await expect(sut.setPriority(entry.entry_id, { priority: true }, provider(providerId))).rejects.toMatchObject({
        code: 'ENTRY_CLOSED',
        status: 409,
      });
      await expect(sut.setPriority(999, { priority: true }, ADMIN)).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
      expect((await queueNow()).revision).toBe(revision);
      await expect(sut.entry(entry.entry_id, ADMIN)).resolves.toMatchObject({ status: 'left', priority: false });
    });
  });

  describe('tickets', () => {
    it('hands out A-001, A-002 … in check-in order, and the same ticket to a second check-in', async () => {
      const first = await walkIn(ann);
      const second = await walkIn(bob);

      expect([first.ticket, second.ticket]).toEqual(['A-001', 'A-002']);
      await expect(sut.checkIn({ provider_id: providerId, client_id: ann }, provider(providerId))).resolves.toMatchObject({
        ticket: 'A-001',
      });
    });
  });
});

describe(`${QueueService.name} with QUEUE_NOTIFY_AHEAD=3,1 and QUEUE_PRIORITY_STREAK=1`, () => {
  let harness: ServiceHarness;
  let sut: QueueService;
  let providerId: number;

  beforeEach(async () => {
    harness = await ServiceHarness.create({ notifyAhead: [3, 1], priorityStreak: 1 });
    sut = harness.queue;
    providerId = await harness.addProvider();
    await harness.publish(providerId, HARNESS_TODAY, '10:00', '12:00');
  });

  afterEach(() => harness.close());

  const walkIns = async (count: number) => {
    const entries = [];
    for (let i = 0; i < count; i++) {
      const clientId = await harness.addClient(`+1415555020${i}`);
      entries.push(await sut.checkIn({ provider_id: providerId, client_id: clientId }, provider(providerId)));
      harness.clock.advance(1);
    }
    return entries;
  };
  /** Each position notice as [ticket's client phone, text]. */
  const positionTexts = () =>
    harness.outbox.messages
      .filter((message) => message.kind === 'queue_next')
      .map((message) => [message.payload.to, (message.payload as { body: string }).body]);
  const next = () => sut.next(providerId, provider(providerId));

  it('tells each entry once at 3 ("2 ahead") and once at 1 ("next"), in the transaction of the change that moved it there', async () => {
    await walkIns(5);
    expect(positionTexts()).toEqual([]); // nobody is told where they stand by their own check-in

    await next(); // the first is called: the second reaches 1, the fourth reaches 3
    expect(positionTexts()).toEqual([
      ['+14155550201', expect.stringMatching(/^You're next for Provider 1 \(about \d+ min\)/)],
      ['+14155550203', expect.stringMatching(/^2 people are ahead of you for Provider 1 \(about \d+ min\)\.$/)],
    ]);
    await next();
    await next();
    await next();
    expect(positionTexts().map(([to]) => to)).toEqual([
      ...['+14155550201', '+14155550203'],
      ...['+14155550202', '+14155550204'],
      '+14155550203',
      '+14155550204',
    ]);
  });

  it('tells no position twice, however the queue moves back and forth', async () => {
    const [, second, third] = await walkIns(3);
    await next(); // second is next (told), third at 2
    await sut.setPriority(third.entry_id, { priority: true }, provider(providerId)); // third first (told), second back at 2
    await sut.setPriority(third.entry_id, { priority: false }, provider(providerId)); // second back at 1: told before
    await sut.setPriority(third.entry_id, { priority: true }, provider(providerId)); // third at 1 again: told before

    expect(positionTexts().map(([to]) => to)).toEqual(['+14155550201', '+14155550202']);
    await expect(sut.entry(second.entry_id, ADMIN)).resolves.toMatchObject({ position: 2 });
  });

  it('calls priority entries first, but lets a waiting regular entry through after each one (streak 1)', async () => {
    const [r1, r2, p1, p2] = await walkIns(4);
    await sut.setPriority(p1.entry_id, { priority: true }, provider(providerId));
    await sut.setPriority(p2.entry_id, { priority: true }, provider(providerId));

    expect((await sut.view(providerId, undefined, ADMIN)).entries.map((e) => e.ticket)).toEqual([p1, r1, p2, r2].map((e) => e.ticket));
    const called = [];
    for (let i = 0; i < 4; i++) called.push((await next()).now_serving!.ticket);
    expect(called).toEqual([p1, r1, p2, r2].map((e) => e.ticket));
  });
});
