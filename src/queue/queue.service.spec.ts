import { ADMIN } from '../access/caller';
import { client, HARNESS_TODAY, provider, ServiceHarness } from '../../test/support/service-harness';
import { PACE_ALPHA, WALK_IN_MINUTES } from './expected-wait';
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
    it('calls the first in line, tells them it is their turn and the next one that they are next', async () => {
      const first = await walkIn(ann);
      const second = await walkIn(bob);

      const called = await sut.next(providerId, provider(providerId));

      expect(called).toMatchObject({ completed: null, now_serving: { entry_id: first.entry_id, status: 'called', position: 0 } });
      expect((await queueNow()).entries.map((e) => [e.entry_id, e.position])).toEqual([
        [first.entry_id, 0],
        [second.entry_id, 1],
      ]);
      expect(harness.notifier.sent).toEqual([
        {
          providerId,
          date: HARNESS_TODAY,
          notices: [
            { clientId: ann, kind: 'turn', waitMinutes: 0 },
            { clientId: bob, kind: 'next', waitMinutes: expect.any(Number) },
          ],
        },
      ]);
      expect(harness.emitted('queue.called')).toEqual([
        expect.objectContaining({ entryId: first.entry_id, calledAt: harness.clock.nowMs() }),
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
      expect((await queueNow()).average_service_minutes).toBeCloseTo((1 - PACE_ALPHA) * WALK_IN_MINUTES + PACE_ALPHA * 12, 1);
      expect(harness.emitted('queue.done')).toEqual([
        expect.objectContaining({ entryId: first.entry_id, calledAt, finishedAt: harness.clock.nowMs() }),
      ]);
    });

    it('answers QUEUE_EMPTY (409) when nobody is in line', async () => {
      await expect(sut.next(providerId, provider(providerId))).rejects.toMatchObject({ code: 'QUEUE_EMPTY', status: 409 });
      expect(harness.notifier.sent).toEqual([]);
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
});
