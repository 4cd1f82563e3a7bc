import { ADMIN, Caller } from '../access/caller';
import { EmailPayload, NewMessage } from '../delivery/outbox-message';
import { client, HARNESS_START, HARNESS_TODAY, HOLD_TTL_SECONDS, provider, ServiceHarness } from '../../test/support/service-harness';
import { AppointmentsService } from './appointments.service';

const MINUTE = 60_000;
/** Wall-clock slots in the harness's zone (Europe/Paris), whose clock starts at 09:00 there on HARNESS_TODAY. */
const TEN_AM = 40;
const TEN_FIFTEEN = 41;
const ELEVEN_AM = 44;
const NOON = 48;
/** Two days after HARNESS_TODAY: its reminders (1440 and 60 minutes ahead) are all still to come. */
const LATER_DATE = '2030-03-06';
const LATER_TEN_AM = Date.parse('2030-03-06T09:00:00Z');
const LATER_ELEVEN_AM = Date.parse('2030-03-06T10:00:00Z');

/** Unfolded content lines of a calendar file, by property name. */
function calendarOf(mail: EmailPayload): Record<string, string> {
  const ics = mail.attachments?.[0]?.content ?? '';
  const lines = ics.replace(/\r\n[ \t]/g, '').split('\r\n');
  return Object.fromEntries(
    lines.filter((line) => /^[A-Z]/.test(line)).map((line) => [/^[A-Z-]+/.exec(line)![0], line.slice(line.indexOf(':') + 1)]),
  );
}

describe(`${AppointmentsService.name} reschedule and cancel`, () => {
  let harness: ServiceHarness;
  let sut: AppointmentsService;
  let providerId: number;
  let clientId: number;
  let rivalId: number;

  beforeEach(async () => {
    harness = await ServiceHarness.create();
    sut = harness.appointments;
    providerId = await harness.addProvider();
    clientId = await harness.addClient('+33612345678');
    rivalId = await harness.addClient();
    await harness.publish(providerId, HARNESS_TODAY, '10:00', '12:00');
    await harness.publish(providerId, LATER_DATE, '10:00', '12:00');
  });

  afterEach(() => harness.close());

  /** A confirmed appointment of the client, `minutes` long, booked through its emailed link. */
  async function booked(slot: number, date = LATER_DATE, minutes = 30, who = clientId): Promise<number> {
    const pending = await sut.request(
      { provider_id: providerId, client_id: who, date, requested_slot: slot, duration_minutes: minutes },
      client(who),
    );
    await harness.confirmations.confirm(harness.outbox.tokenFor(pending.appointment_id));
    return pending.appointment_id;
  }

  const row = async (id: number) => (await harness.appointmentsRepository.findById(id))!;
  const booked_ = (date: string) =>
    harness.appointmentsRepository
      .bookedSlots(providerId, [date])
      .then((slots) => slots.map((slot) => slot.slotIndex).sort((a, b) => a - b));
  const messagesOf = (id: number) => harness.outbox.messages.filter((message) => message.appointmentId === id);
  const emails = (kind: NewMessage['kind'], id: number) =>
    messagesOf(id).flatMap((message) => (message.channel === 'email' && message.kind === kind ? [message.payload] : []));
  /** Whether a rival could ask for these slots now: the hold store and the bookings both say free. */
  const canRequest = async (slot: number, date: string, minutes = 15) => {
    try {
      const pending = await sut.request(
        { provider_id: providerId, client_id: rivalId, date, requested_slot: slot, duration_minutes: minutes },
        client(rivalId),
      );
      await sut.cancel(pending.appointment_id, ADMIN);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'SLOT_UNAVAILABLE') return false;
      throw error;
    }
  };
  /** What a failed reschedule must leave as it was. */
  const snapshot = async (id: number) => ({
    appointment: await row(id),
    today: await booked_(HARNESS_TODAY),
    later: await booked_(LATER_DATE),
    messages: structuredClone(harness.outbox.messages),
    rescheduled: harness.emitted('appointment.rescheduled').length,
  });

  describe('reschedule', () => {
    it('moves a confirmed appointment: new times, old slots open, new ones booked, the revision raised, listeners told', async () => {
      const id = await booked(TEN_AM);
      const before = await row(id);
      harness.clock.advance(5);
      const now = harness.clock.nowMs();

      const view = await sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, client(clientId));

      expect(view).toMatchObject({
        id,
        status: 'confirmed',
        date: LATER_DATE,
        start_time: '11:00',
        end_time: '11:30',
        start: '2030-03-06T10:00:00.000Z',
        duration_minutes: 30,
        rescheduled_at: new Date(now).toISOString(),
      });
      expect(await row(id)).toMatchObject({
        slotIndexes: '44,45',
        revision: 1,
        rescheduledAt: now,
        holdId: before.holdId,
        status: 'confirmed',
      });
      expect(await booked_(LATER_DATE)).toEqual([44, 45]);
      await expect(canRequest(TEN_AM, LATER_DATE, 30)).resolves.toBe(true);
      await expect(canRequest(ELEVEN_AM + 1, LATER_DATE)).resolves.toBe(false);
      expect(harness.emitted('appointment.rescheduled')).toEqual([
        {
          appointmentId: id,
          providerId,
          clientId,
          date: LATER_DATE,
          startTime: '11:00',
          endTime: '11:30',
          startAt: LATER_ELEVEN_AM,
          endAt: LATER_ELEVEN_AM + 30 * MINUTE,
          previousDate: LATER_DATE,
          previousStartAt: LATER_TEN_AM,
          previousEndAt: LATER_TEN_AM + 30 * MINUTE,
          rescheduledAt: now,
          revision: 1,
        },
      ]);
    });

    it('shows the move at once in the cached listings of both days', async () => {
      const id = await booked(TEN_AM);
      const listed = async (date: string) =>
        (
          JSON.parse((await harness.openSlots.listing({ provider_id: providerId, date })).toString()) as { slots: { index: number }[] }
        ).slots.map((slot) => slot.index);
      const [laterBefore, todayBefore] = [await listed(LATER_DATE), await listed(HARNESS_TODAY)];
      expect(laterBefore).not.toContain(TEN_AM);
      expect(todayBefore).toContain(ELEVEN_AM);

      await sut.reschedule(id, { date: HARNESS_TODAY, requested_slot: ELEVEN_AM }, ADMIN);

      expect(await listed(LATER_DATE)).toEqual([...laterBefore, TEN_AM, TEN_FIFTEEN].sort((a, b) => a - b));
      expect(await listed(HARNESS_TODAY)).toEqual(todayBefore.filter((slot) => slot !== ELEVEN_AM && slot !== ELEVEN_AM + 1));
    });

    it("mails the client the new time with an updated calendar file: the confirmation's UID, a higher SEQUENCE", async () => {
      const id = await booked(TEN_AM);

      await sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, provider(providerId));

      const [confirmation] = emails('confirmation', id);
      const [reschedule] = emails('reschedule', id);
      expect(reschedule).toMatchObject({
        to: expect.stringMatching(/^client\d+@scheduler\.test$/),
        subject: `Appointment moved: now ${LATER_DATE} at 11:00`,
      });
      expect(reschedule.text).toContain(`It was:   ${LATER_DATE} from 10:00 to 10:30`);
      const [before, after] = [calendarOf(confirmation), calendarOf(reschedule)];
      expect(after).toMatchObject({
        UID: before.UID,
        METHOD: 'REQUEST',
        STATUS: 'CONFIRMED',
        DTSTART: '20300306T100000Z',
        DTEND: '20300306T103000Z',
      });
      expect(before.SEQUENCE).toBe('0');
      expect(after.SEQUENCE).toBe('1');
    });

    it("plans the reminders again for the new time and drops the old time's", async () => {
      const id = await booked(TEN_AM);
      const dueTimes = () =>
        messagesOf(id)
          .filter((message) => message.kind === 'reminder')
          .map((message) => [message.channel, message.dueAt, message.sendBefore]);
      expect(dueTimes()).toEqual([
        ['email', LATER_TEN_AM - 1440 * MINUTE, LATER_TEN_AM],
        ['sms', LATER_TEN_AM - 1440 * MINUTE, LATER_TEN_AM],
        ['email', LATER_TEN_AM - 60 * MINUTE, LATER_TEN_AM],
        ['sms', LATER_TEN_AM - 60 * MINUTE, LATER_TEN_AM],
      ]);

      await sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, ADMIN);

      expect(dueTimes()).toEqual([
        ['email', LATER_ELEVEN_AM - 1440 * MINUTE, LATER_ELEVEN_AM],
        ['sms', LATER_ELEVEN_AM - 1440 * MINUTE, LATER_ELEVEN_AM],
        ['email', LATER_ELEVEN_AM - 60 * MINUTE, LATER_ELEVEN_AM],
        ['sms', LATER_ELEVEN_AM - 60 * MINUTE, LATER_ELEVEN_AM],
      ]);
    });

    it.each([
      { name: 'later on the same day, apart', date: LATER_DATE, slot: ELEVEN_AM, minutes: undefined, after: [44, 45], before: [] },
      { name: 'overlapping its own slots', date: LATER_DATE, slot: TEN_FIFTEEN, minutes: undefined, after: [41, 42], before: [] },
      { name: 'onto exactly its own slots', date: LATER_DATE, slot: TEN_AM, minutes: undefined, after: [40, 41], before: [] },
      { name: 'longer, over its own slots', date: LATER_DATE, slot: TEN_AM, minutes: 60, after: [40, 41, 42, 43], before: [] },
      { name: 'shorter, within its own slots', date: LATER_DATE, slot: TEN_FIFTEEN, minutes: 15, after: [41], before: [] },
      { name: 'to another date', date: HARNESS_TODAY, slot: NOON - 2, minutes: undefined, after: [], before: [46, 47] },
    ])('moves $name; left out, the duration stays 30 minutes', async ({ date, slot, minutes, after, before }) => {
      const id = await booked(TEN_AM);

      await sut.reschedule(id, { date, requested_slot: slot, ...(minutes ? { duration_minutes: minutes } : {}) }, client(clientId));

      expect(await booked_(LATER_DATE)).toEqual(after);
      expect(await booked_(HARNESS_TODAY)).toEqual(before);
      // Every slot of the day it no longer has is free to others at once, not when a hold would lapse.
      for (const index of [40, 41, 42, 43, 44, 45]) {
        if (!(after as number[]).includes(index)) await expect(canRequest(index, LATER_DATE)).resolves.toBe(true);
      }
    });

    it.each<{
      name: string;
      make: (h: { id: number }) => Promise<unknown>;
      caller?: () => Caller;
      to?: Partial<{ date: string; requested_slot: number }>;
      code: string;
    }>([
      { name: 'a pending appointment', make: async () => undefined, code: 'NOT_RESCHEDULABLE' },
      { name: 'a cancelled appointment', make: ({ id }) => sut.cancel(id, ADMIN), code: 'NOT_RESCHEDULABLE' },
      { name: 'an appointment that has started', make: async () => harness.clock.set(LATER_TEN_AM + MINUTE), code: 'NOT_RESCHEDULABLE' },
      { name: "another client's appointment", make: async () => undefined, caller: () => client(rivalId), code: 'APPOINTMENT_NOT_FOUND' },
      {
        name: "another provider's appointment",
        make: async () => undefined,
        caller: () => provider(providerId + 1000),
        code: 'APPOINTMENT_NOT_FOUND',
      },
      { name: 'onto a booked slot', make: () => booked(ELEVEN_AM, LATER_DATE, 15, rivalId), code: 'SLOT_UNAVAILABLE' },
      { name: 'onto a held slot', make: () => harness.request(providerId, rivalId, ELEVEN_AM + 1, LATER_DATE), code: 'SLOT_UNAVAILABLE' },
      { name: 'outside the open hours', make: async () => undefined, to: { requested_slot: NOON - 1 }, code: 'SLOT_UNAVAILABLE' },
      {
        name: 'onto a slot already past',
        make: async () => undefined,
        to: { date: HARNESS_TODAY, requested_slot: 36 },
        code: 'SLOT_UNAVAILABLE',
      },
      { name: 'onto a date with no hours', make: async () => undefined, to: { date: '2030-03-05' }, code: 'SLOT_UNAVAILABLE' },
    ])('refuses $name with $code and changes nothing', async ({ name, make, caller, to, code }) => {
      const id =
        name === 'a pending appointment'
          ? (await harness.request(providerId, clientId, TEN_AM, LATER_DATE)).appointmentId
          : await booked(TEN_AM);
      await make({ id });
      const before = await snapshot(id);

      await expect(
        sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM, ...to }, caller?.() ?? client(clientId)),
      ).rejects.toMatchObject({ code });

      expect(await snapshot(id)).toEqual(before);
    });

    it('refuses an appointment that checked in to the queue, and changes nothing', async () => {
      const id = await booked(ELEVEN_AM, HARNESS_TODAY, 15);
      await harness.queue.checkIn({ appointment_id: id }, client(clientId));
      const before = await snapshot(id);

      await expect(sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, ADMIN)).rejects.toMatchObject({
        code: 'NOT_RESCHEDULABLE',
        detail: expect.stringContaining('checked in'),
      });

      expect(await snapshot(id)).toEqual(before);
      await expect(canRequest(ELEVEN_AM, LATER_DATE)).resolves.toBe(true);
    });

    it('undoes the move when a check-in commits between the first look and the move, and frees the slots it claimed', async () => {
      const id = await booked(TEN_AM);
      const before = await snapshot(id);
      jest.spyOn(harness.queueRepository, 'hasEntryForAppointment').mockResolvedValueOnce(false).mockResolvedValueOnce(true);

      await expect(sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, ADMIN)).rejects.toMatchObject({
        code: 'NOT_RESCHEDULABLE',
      });

      expect(await snapshot(id)).toEqual(before);
      await expect(canRequest(ELEVEN_AM, LATER_DATE, 30)).resolves.toBe(true);
    });

    it.each([
      { step: 'the mail cannot be written', fail: () => jest.spyOn(harness.outbox, 'add') },
      { step: 'the move cannot be written', fail: () => jest.spyOn(harness.appointmentsRepository, 'reschedule') },
    ])('changes nothing when $step: the new slots are let go at once, the old ones stay booked', async ({ fail }) => {
      const id = await booked(TEN_AM);
      const before = await snapshot(id);
      fail().mockRejectedValueOnce(new Error('the outside world said no'));

      await expect(sut.reschedule(id, { date: LATER_DATE, requested_slot: TEN_FIFTEEN, duration_minutes: 60 }, ADMIN)).rejects.toThrow(
        'the outside world said no',
      );

      expect(await snapshot(id)).toEqual(before);
      await expect(canRequest(42, LATER_DATE, 30)).resolves.toBe(true);
      await expect(canRequest(TEN_AM, LATER_DATE)).resolves.toBe(false);
    });

    it('loses to a cancellation that commits between the read and the move: NOT_RESCHEDULABLE, its claim let go', async () => {
      const id = await booked(TEN_AM);
      const move = harness.appointmentsRepository.reschedule.bind(harness.appointmentsRepository);
      jest.spyOn(harness.appointmentsRepository, 'reschedule').mockImplementationOnce(async (...args) => {
        await sut.cancel(id, provider(providerId));
        return move(...args);
      });

      await expect(sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, ADMIN)).rejects.toMatchObject({
        code: 'NOT_RESCHEDULABLE',
        detail: expect.stringContaining('cancelled'),
      });

      expect(await row(id)).toMatchObject({ status: 'cancelled', slotIndexes: '40,41', revision: 1 });
      expect(await booked_(LATER_DATE)).toEqual([]);
      await expect(canRequest(ELEVEN_AM, LATER_DATE, 30)).resolves.toBe(true);
      expect(emails('reschedule', id)).toEqual([]);
    });

    it('moves the same appointment asked twice at once to one place only', async () => {
      const id = await booked(TEN_AM);

      const outcomes = await Promise.allSettled([
        sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, client(clientId)),
        sut.reschedule(id, { date: HARNESS_TODAY, requested_slot: ELEVEN_AM }, provider(providerId)),
      ]);

      const moved = await row(id);
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      expect(won.length).toBeGreaterThanOrEqual(1);
      for (const outcome of outcomes)
        if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'NOT_RESCHEDULABLE' });
      expect(moved.revision).toBe(won.length);
      const taken = [
        ...(await booked_(LATER_DATE)).map((i) => `${LATER_DATE}:${i}`),
        ...(await booked_(HARNESS_TODAY)).map((i) => `${HARNESS_TODAY}:${i}`),
      ];
      expect(taken).toEqual(moved.slotIndexes.split(',').map((i) => `${moved.date}:${i}`));
      // The place it did not take is free.
      const [otherDate] = [LATER_DATE, HARNESS_TODAY].filter((date) => date !== moved.date);
      await expect(canRequest(ELEVEN_AM, otherDate, 30)).resolves.toBe(true);
    });

    it('leaves links mailed before spent: the old validation link books nothing and does not hold the old slots', async () => {
      const id = await booked(TEN_AM);
      const oldToken = harness.outbox.tokenFor(id);
      await sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, client(clientId));

      await expect(harness.confirmations.preview(oldToken)).rejects.toMatchObject({ code: 'ALREADY_CONFIRMED' });
      await expect(harness.confirmations.confirm(oldToken)).rejects.toMatchObject({ code: 'ALREADY_CONFIRMED' });

      expect(await row(id)).toMatchObject({ slotIndexes: '44,45', revision: 1 });
      expect(await booked_(LATER_DATE)).toEqual([44, 45]);
      expect(await harness.holds.holders({ providerId, date: LATER_DATE }, [40, 41])).toEqual(new Map());
      await expect(canRequest(TEN_AM, LATER_DATE, 30)).resolves.toBe(true);
      expect(emails('confirmation', id)).toHaveLength(1);
    });

    it('lets its claim on the new slots lapse soon after the move, as the booking keeps them', async () => {
      const id = await booked(TEN_AM);
      await sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, ADMIN);
      harness.clock.advance(HOLD_TTL_SECONDS / 60 + 1);

      expect(await harness.holds.holders({ providerId, date: LATER_DATE }, [44, 45])).toEqual(new Map());
      await expect(canRequest(ELEVEN_AM, LATER_DATE)).resolves.toBe(false);
    });
  });

  describe('cancel', () => {
    it('cancels through a link only at the revision it was signed for: a move since makes it LINK_SUPERSEDED, changing nothing', async () => {
      const id = await booked(TEN_AM);
      await sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, ADMIN);

      await expect(sut.cancel(id, client(clientId), undefined, 0)).rejects.toMatchObject({ code: 'LINK_SUPERSEDED' });
      expect(await row(id)).toMatchObject({ status: 'confirmed', revision: 1 });
      expect(emails('cancellation', id)).toEqual([]);
      await expect(sut.cancel(id, client(clientId), undefined, 1)).resolves.toMatchObject({ status: 'cancelled' });
    });

    it.each([
      { by: 'its client', caller: () => client(clientId), confirm: true, reason: 'I am ill', told: 'provider' },
      { by: 'its provider', caller: () => provider(providerId), confirm: true, reason: 'The clinic is closed', told: 'client' },
      { by: 'the administrator', caller: () => ADMIN, confirm: true, reason: undefined, told: 'client' },
      { by: 'its client', caller: () => client(clientId), confirm: false, reason: undefined, told: 'provider' },
      { by: 'its provider', caller: () => provider(providerId), confirm: false, reason: 'Closed', told: 'client' },
    ])('cancelled by $by (confirmed: $confirm, reason: $reason) tells the $told, once', async ({ caller, confirm, reason, told }) => {
      const id = confirm ? await booked(TEN_AM) : (await harness.request(providerId, clientId, TEN_AM, LATER_DATE)).appointmentId;

      const view = await sut.cancel(id, caller(), reason);
      await expect(sut.cancel(id, caller(), 'again')).resolves.toEqual(view);

      expect(view).toMatchObject({ id, status: 'cancelled', ...(reason ? { cancellation_reason: reason } : {}) });
      if (!reason) expect(view).not.toHaveProperty('cancellation_reason');
      expect(await row(id)).toMatchObject({ revision: 1, cancellationReason: reason ?? null });
      const all = emails('cancellation', id);
      // A client who cancels a confirmed appointment also gets the cancelling calendar file, for its own calendar.
      const copyToClient = confirm && told === 'provider';
      expect(all).toHaveLength(copyToClient ? 2 : 1);
      if (copyToClient) {
        expect(all[1].to).toMatch(/^client\d+@/);
        expect(calendarOf(all[1])).toMatchObject({ METHOD: 'CANCEL', UID: `appointment-${id}@scheduler` });
      }
      const notices = all.slice(0, 1);
      expect(notices[0].to).toMatch(told === 'provider' ? /^provider\d+@/ : /^client\d+@/);
      if (reason) expect(notices[0].text).toContain(`Reason given: ${reason}`);
      if (confirm) {
        expect(calendarOf(notices[0])).toMatchObject({
          METHOD: 'CANCEL',
          STATUS: 'CANCELLED',
          SEQUENCE: '1',
          UID: `appointment-${id}@scheduler`,
        });
      } else {
        expect(notices[0].attachments).toBeUndefined();
      }
      expect(harness.emitted('appointment.cancelled')).toEqual([
        expect.objectContaining({
          appointmentId: id,
          previousStatus: confirm ? 'confirmed' : 'pending',
          cancellationReason: reason ?? null,
        }),
      ]);
    });

    it('cancels a rescheduled appointment at its new time, with the SEQUENCE after the move', async () => {
      const id = await booked(TEN_AM);
      await sut.reschedule(id, { date: LATER_DATE, requested_slot: ELEVEN_AM }, ADMIN);

      await sut.cancel(id, ADMIN, 'Closed');

      expect(calendarOf(emails('cancellation', id)[0])).toMatchObject({ SEQUENCE: '2', DTSTART: '20300306T100000Z' });
      expect(await booked_(LATER_DATE)).toEqual([]);
      await expect(canRequest(ELEVEN_AM, LATER_DATE, 30)).resolves.toBe(true);
    });

    it('keeps an expired hold expired: nothing to cancel, nobody told', async () => {
      const { appointmentId } = await harness.request(providerId, clientId, TEN_AM, LATER_DATE);
      harness.clock.set(HARNESS_START + (HOLD_TTL_SECONDS + 1) * 1000);

      await expect(sut.cancel(appointmentId, ADMIN, 'late')).resolves.toMatchObject({ status: 'expired' });

      expect(emails('cancellation', appointmentId)).toEqual([]);
      expect(await row(appointmentId)).toMatchObject({ revision: 0, cancellationReason: null });
    });
  });
});
