import { ADMIN } from '../access/caller';
import { FAKE_TRANSACTION } from '../../test/support/fakes/recording-outbox';
import { HARNESS_START, HARNESS_TODAY, HOLD_TTL_SECONDS, ServiceHarness } from '../../test/support/service-harness';
import { AppointmentReminders, holdReminderDueAt, reminderTimes } from './appointment-reminders';

const MINUTE = 60_000;
/** Wall-clock slots in the harness's zone, whose clock starts at 09:00 there on HARNESS_TODAY. */
const TEN_AM = 40;
const ELEVEN_AM = 44;
const NINE_FIFTEEN = 37;
/** Two days after HARNESS_TODAY. */
const LATER_DATE = '2030-03-06';
const PHONE = '+33612345678';

describe('reminderTimes', () => {
  const start = Date.parse('2030-03-06T09:00:00Z');

  it.each([
    { leads: [1440, 60], before: '3 days', now: start - 3 * 1440 * MINUTE, due: [1440, 60] },
    { leads: [1440, 60], before: '1 day and 1 ms', now: start - 1440 * MINUTE - 1, due: [1440, 60] },
    { leads: [1440, 60], before: '1 day', now: start - 1440 * MINUTE, due: [60] },
    { leads: [1440, 60], before: '2 hours', now: start - 2 * 60 * MINUTE, due: [60] },
    { leads: [1440, 60], before: '1 hour', now: start - 60 * MINUTE, due: [] },
    { leads: [1440, 60], before: '-1 minute', now: start + MINUTE, due: [] },
    { leads: [], before: '3 days', now: start - 3 * 1440 * MINUTE, due: [] },
    { leads: [10080, 1440, 120, 1], before: '2 days', now: start - 2 * 1440 * MINUTE, due: [1440, 120, 1] },
  ])('lead times $leads, confirmed $before before the start → reminders at $due', ({ leads, now, due }) => {
    expect(reminderTimes(start, leads, now)).toEqual(due.map((lead) => ({ leadMinutes: lead, dueAt: start - lead * MINUTE })));
  });
});

describe('holdReminderDueAt', () => {
  const heldAt = 1_000_000;

  it.each([
    { ttl: 900, reminder: 300, due: heldAt + 600_000 },
    { ttl: 900, reminder: 449, due: heldAt + 451_000 },
    { ttl: 900, reminder: 450, due: null },
    { ttl: 900, reminder: 900, due: null },
    { ttl: 900, reminder: 0, due: null },
    { ttl: 60, reminder: 29, due: heldAt + 31_000 },
    { ttl: 60, reminder: 30, due: null },
    { ttl: 1, reminder: 300, due: null },
  ])('a hold of $ttl s with HOLD_REMINDER_SECONDS=$reminder is reminded at $due', ({ ttl, reminder, due }) => {
    expect(holdReminderDueAt(heldAt, heldAt + ttl * 1000, reminder)).toBe(due);
  });
});

describe(AppointmentReminders.name, () => {
  let harness: ServiceHarness;
  let providerId: number;

  async function setUp(settings: Parameters<typeof ServiceHarness.create>[0] = {}) {
    harness = await ServiceHarness.create(settings);
    providerId = await harness.addProvider();
    await harness.publish(providerId, HARNESS_TODAY, '09:00', '12:00');
    await harness.publish(providerId, LATER_DATE, '09:00', '12:00');
  }

  afterEach(() => harness.close());

  const reminders = (appointmentId?: number) =>
    harness.outbox.messages
      .filter((message) => message.kind === 'reminder' && (appointmentId === undefined || message.appointmentId === appointmentId))
      .map(({ channel, dueAt, sendBefore, payload }) => ({ channel, dueAt, sendBefore, to: payload.to }));
  const holdReminders = (appointmentId: number) =>
    harness.outbox.messages.filter((message) => message.kind === 'hold_reminder' && message.appointmentId === appointmentId);
  const startOf = async (appointmentId: number) => (await harness.appointmentsRepository.findById(appointmentId))!.startAt;

  describe('on confirmation', () => {
    it.each([
      { case: 'two days ahead, no phone', leads: [1440, 60], date: LATER_DATE, slot: TEN_AM, phone: null, due: [1440, 60] },
      { case: 'two days ahead, a phone', leads: [1440, 60], date: LATER_DATE, slot: TEN_AM, phone: PHONE, due: [1440, 60] },
      {
        case: 'in two hours: the day-ahead lead is past',
        leads: [1440, 60],
        date: HARNESS_TODAY,
        slot: ELEVEN_AM,
        phone: PHONE,
        due: [60],
      },
      { case: 'in an hour: its due time is now, not ahead', leads: [1440, 60], date: HARNESS_TODAY, slot: TEN_AM, phone: null, due: [] },
      { case: 'in 15 minutes', leads: [30], date: HARNESS_TODAY, slot: NINE_FIFTEEN, phone: PHONE, due: [] },
      { case: 'REMINDER_MINUTES=none', leads: [], date: LATER_DATE, slot: TEN_AM, phone: PHONE, due: [] },
      { case: 'three lead times', leads: [2880, 1440, 15], date: LATER_DATE, slot: ELEVEN_AM, phone: null, due: [2880, 1440, 15] },
    ])('$case: leads $leads → reminders $due', async ({ leads, date, slot, phone, due }) => {
      await setUp({ reminderMinutes: leads });
      const clientId = await harness.addClient(phone);
      const client = (await harness.clientsRepository.findById(clientId))!;

      const appointmentId = await harness.book(providerId, clientId, slot, date);

      const startAt = await startOf(appointmentId);
      const expected = due.flatMap((lead) => {
        const email = { channel: 'email', dueAt: startAt - lead * MINUTE, sendBefore: startAt, to: client.email };
        return phone ? [email, { channel: 'sms', dueAt: startAt - lead * MINUTE, sendBefore: startAt, to: phone }] : [email];
      });
      expect(reminders(appointmentId)).toEqual(expected);
    });

    it('renders what the client is reminded of, by email and by text', async () => {
      await setUp({ reminderMinutes: [1440, 90] });
      const appointmentId = await harness.book(providerId, await harness.addClient(PHONE), TEN_AM, LATER_DATE);

      const [dayAhead, dayAheadText, soon, soonText] = harness.outbox.messages.filter(
        (message) => message.appointmentId === appointmentId && message.kind === 'reminder',
      );
      expect(dayAhead.payload).toMatchObject({
        subject: `Reminder: your appointment on ${LATER_DATE} at 10:00`,
        text: expect.stringContaining(`is in 1 day, on ${LATER_DATE} from 10:00 to 10:15 (Europe/Paris)`),
        html: expect.stringContaining('is in 1 day'),
      });
      expect(soon.payload).toMatchObject({ text: expect.stringContaining('is in 90 minutes') });
      // Each reminder carries the manage link of the appointment as it stands (revision 0), good until its start.
      const link = /\/api\/manage\?token=(\S+)/.exec(String((dayAhead.payload as { text: string }).text));
      expect(link).not.toBeNull();
      expect(harness.manageLinks.verify(decodeURIComponent(link![1]))).toEqual({
        appointmentId,
        revision: 0,
        expiresAtMs: await startOf(appointmentId),
      });
      expect(soon.payload).toMatchObject({ html: expect.stringContaining('/api/manage?token') });
      expect(dayAheadText.payload).toEqual({ to: PHONE, body: expect.stringContaining(`in 1 day, ${LATER_DATE} at 10:00 (Europe/Paris)`) });
      expect(soonText.payload).toMatchObject({ body: expect.stringContaining('in 90 minutes') });
    });
  });

  describe('on cancellation', () => {
    it.each([
      { status: 'confirmed', confirm: true },
      { status: 'pending', confirm: false },
    ])(
      'a $status appointment loses its reminders and its hold reminder; its other mail stays, and its notice is added',
      async ({ confirm }) => {
        await setUp();
        const clientId = await harness.addClient(PHONE);
        const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM, LATER_DATE);
        if (confirm) await harness.confirmations.confirm(token);
        expect(reminders(appointmentId).length + holdReminders(appointmentId).length).toBeGreaterThan(0);
        const other = await harness.book(providerId, clientId, ELEVEN_AM, LATER_DATE);

        await harness.appointments.cancel(appointmentId, ADMIN);

        expect(reminders(appointmentId)).toEqual([]);
        expect(holdReminders(appointmentId)).toEqual([]);
        expect(harness.outbox.messages.filter((message) => message.appointmentId === appointmentId).map((message) => message.kind)).toEqual(
          confirm ? ['validation', 'confirmation', 'cancellation'] : ['validation', 'cancellation'],
        );
        expect(reminders(other)).toHaveLength(4);
      },
    );
  });

  describe('replace (a reschedule)', () => {
    it('drops the old reminders and plans those of the new start', async () => {
      await setUp();
      const clientId = await harness.addClient(PHONE);
      const appointmentId = await harness.book(providerId, clientId, TEN_AM, LATER_DATE);
      const appointment = (await harness.appointmentsRepository.findById(appointmentId))!;
      const client = (await harness.clientsRepository.findById(clientId))!;
      // Moved to two hours from now: only the hour-ahead reminder is still ahead.
      const movedStart = HARNESS_START + 120 * MINUTE;

      await harness.reminders.replace(
        FAKE_TRANSACTION,
        { ...appointment, date: HARNESS_TODAY, startTime: '11:00', endTime: '11:15', startAt: movedStart, endAt: movedStart + 15 * MINUTE },
        { provider: { name: 'Provider', timeZone: 'Europe/Paris' }, client },
      );

      expect(reminders(appointmentId)).toEqual([
        { channel: 'email', dueAt: movedStart - 60 * MINUTE, sendBefore: movedStart, to: client.email },
        { channel: 'sms', dueAt: movedStart - 60 * MINUTE, sendBefore: movedStart, to: PHONE },
      ]);
    });
  });

  describe('the hold reminder', () => {
    it.each([
      { reminderSeconds: 300, planned: true },
      { reminderSeconds: HOLD_TTL_SECONDS / 2 - 1, planned: true },
      { reminderSeconds: HOLD_TTL_SECONDS / 2, planned: false },
      { reminderSeconds: 0, planned: false },
    ])(
      `a hold of ${HOLD_TTL_SECONDS} s with HOLD_REMINDER_SECONDS=$reminderSeconds: planned $planned, with the same link`,
      async ({ reminderSeconds, planned }) => {
        await setUp({ holdReminderSeconds: reminderSeconds });
        const { appointmentId } = await harness.request(providerId, await harness.addClient(), TEN_AM, LATER_DATE);
        const expiresAt = HARNESS_START + HOLD_TTL_SECONDS * 1000;
        const [validation] = harness.outbox.emails('validation');

        expect(holdReminders(appointmentId)).toEqual(
          planned
            ? [
                expect.objectContaining({
                  channel: 'email',
                  dueAt: expiresAt - reminderSeconds * 1000,
                  sendBefore: expiresAt,
                  payload: expect.objectContaining({
                    to: validation.to,
                    link: validation.link,
                    text: expect.stringContaining(validation.link!),
                    subject: `Still to confirm: your appointment on ${LATER_DATE} at 10:00`,
                  }),
                }),
              ]
            : [],
        );
      },
    );

    it('is dropped when the hold is confirmed first', async () => {
      await setUp();
      const { appointmentId, token } = await harness.request(providerId, await harness.addClient(), TEN_AM, LATER_DATE);
      expect(holdReminders(appointmentId)).toHaveLength(1);

      await harness.confirmations.confirm(token);

      expect(holdReminders(appointmentId)).toEqual([]);
    });

    it('is dropped when the hold lapses', async () => {
      await setUp();
      const { appointmentId } = await harness.request(providerId, await harness.addClient(), TEN_AM, LATER_DATE);
      harness.clock.advance(HOLD_TTL_SECONDS / 60);

      await harness.holdExpiry.sweep();

      expect(holdReminders(appointmentId)).toEqual([]);
    });
  });
});
