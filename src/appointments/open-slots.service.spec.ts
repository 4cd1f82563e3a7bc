import { randomUUID } from 'node:crypto';
import { ADMIN } from '../access/caller';
import { client, HARNESS_START, HARNESS_TODAY, ServiceHarness } from '../../test/support/service-harness';
import { holdOf } from './appointment-hold';
import { OpenSlotsService } from './open-slots.service';

/** The slots of 10:00 and 10:15 wall-clock; the harness's clock starts at 09:00 in the provider's zone. */
const TEN_AM = 40;
const QUARTER_PAST_TEN = 41;

describe(OpenSlotsService.name, () => {
  let harness: ServiceHarness;
  let sut: OpenSlotsService;
  let providerId: number;
  let clientId: number;
  let loads: jest.SpyInstance;

  beforeEach(async () => {
    harness = await ServiceHarness.create();
    sut = harness.openSlots;
    providerId = await harness.addProvider();
    clientId = await harness.addClient();
    await harness.publish(providerId, HARNESS_TODAY, '10:00', '11:00');
    loads = jest.spyOn(harness.scheduleRepository, 'providerDay');
  });

  afterEach(() => harness.close());

  /** The open slot indexes the listing answers, as a client reads them from its JSON. */
  async function listed(durationMinutes?: number): Promise<number[]> {
    const answer = await sut.listing({ provider_id: providerId, date: HARNESS_TODAY, duration_minutes: durationMinutes });
    return (JSON.parse(answer.toString('utf8')) as { slots: { index: number }[] }).slots.map((slot) => slot.index);
  }

  /** A listing read now from the cache, made before what the test does next. */
  async function cached(): Promise<number[]> {
    const before = loads.mock.calls.length;
    const indexes = await listed();
    await listed();
    expect(loads.mock.calls.length - before).toBeLessThanOrEqual(1);
    return indexes;
  }

  it('answers the contract’s JSON, made once per cached day and duration', async () => {
    const first = await sut.listing({ provider_id: providerId, date: HARNESS_TODAY, duration_minutes: 30 });
    const again = await sut.listing({ provider_id: providerId, date: HARNESS_TODAY, duration_minutes: 30 });

    expect(again).toBe(first);
    expect(JSON.parse(first.toString('utf8'))).toEqual({
      provider_id: providerId,
      date: HARNESS_TODAY,
      time_zone: 'Europe/Paris',
      slots: [40, 41, 42].map((index) => expect.objectContaining({ index })),
    });
    expect(JSON.parse(first.toString('utf8')).slots[0]).toEqual({
      index: 40,
      start_time: '10:00',
      end_time: '10:15',
      start: '2030-03-04T09:00:00.000Z',
      end: '2030-03-04T09:15:00.000Z',
    });
    await expect(listed(15)).resolves.toEqual([40, 41, 42, 43]);
    expect(loads).toHaveBeenCalledTimes(1);
    await expect(harness.metrics.scrape({ caller: ADMIN })).resolves.toMatch(/^scheduler_listing_cache_total\{outcome="hit"\} 2$/m);
  });

  it('shows a hold at once, and its slots again at once when a failed request releases it', async () => {
    expect(await cached()).toEqual([40, 41, 42, 43]);
    await harness.request(providerId, clientId, TEN_AM);
    expect(await cached()).toEqual([41, 42, 43]);

    let listedWhileHeld: number[] = [];
    jest.spyOn(harness.appointmentsRepository, 'insertPending').mockImplementationOnce(async () => {
      listedWhileHeld = await cached();
      throw new Error('the database said no');
    });
    await expect(harness.request(providerId, clientId, QUARTER_PAST_TEN)).rejects.toThrow('the database said no');

    expect(listedWhileHeld).toEqual([42, 43]);
    expect(await listed()).toEqual([41, 42, 43]);
  });

  it('shows a booking at once, even of a hold the hold store had lost', async () => {
    const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);
    // Lost as a Redis restart loses it: nothing tells the listing.
    await harness.holds.release(holdOf((await harness.appointmentsRepository.findById(appointmentId))!));
    sut.forgetDay({ providerId, date: HARNESS_TODAY });
    expect(await cached()).toEqual([40, 41, 42, 43]);

    await harness.confirmations.confirm(token);

    expect(await listed()).toEqual([41, 42, 43]);
  });

  it.each([
    { status: 'pending', make: () => harness.request(providerId, clientId, TEN_AM).then((held) => held.appointmentId) },
    { status: 'confirmed', make: () => harness.book(providerId, clientId, TEN_AM) },
  ])('shows the slots of a cancelled $status appointment again at once', async ({ make }) => {
    const appointmentId = await make();
    expect(await cached()).toEqual([41, 42, 43]);

    await harness.appointments.cancel(appointmentId, client(clientId));

    expect(await listed()).toEqual([40, 41, 42, 43]);
  });

  it('shows newly published slots at once', async () => {
    expect(await cached()).toEqual([40, 41, 42, 43]);

    await harness.publish(providerId, HARNESS_TODAY, '11:00', '11:30');

    expect(await listed()).toEqual([40, 41, 42, 43, 44, 45]);
  });

  it('shows a held slot again at the instant its hold lapses, with nobody writing anything', async () => {
    // Shorter than the cache's own bound on an entry's age, so only the lapse can end the cached listing.
    const lapsesAt = harness.clock.nowMs() + 400;
    await expect(
      harness.holds.claim({ holdId: randomUUID(), providerId, date: HARNESS_TODAY, slotIndexes: [TEN_AM], expiresAt: lapsesAt }),
    ).resolves.toBe(true);
    expect(await listed()).toEqual([41, 42, 43]);

    harness.clock.set(lapsesAt - 1);
    expect(await listed()).toEqual([41, 42, 43]);
    expect(loads).toHaveBeenCalledTimes(1);
    harness.clock.set(lapsesAt);
    expect(await listed()).toEqual([40, 41, 42, 43]);
  });

  it('stops offering a slot at the instant it starts', async () => {
    const tenAm = Date.parse('2030-03-04T09:00:00Z');
    expect(tenAm - HARNESS_START).toBe(3_600_000);
    harness.clock.set(tenAm - 300);
    expect(await listed()).toEqual([40, 41, 42, 43]);

    harness.clock.set(tenAm - 1);
    expect(await listed()).toEqual([40, 41, 42, 43]);
    expect(loads).toHaveBeenCalledTimes(1);
    harness.clock.set(tenAm);
    expect(await listed()).toEqual([41, 42, 43]);
  });

  describe('with booking rules', () => {
    const TOMORROW = '2030-03-05';

    /** The open slot indexes of another date. */
    async function listedOn(date: string): Promise<number[]> {
      const answer = await sut.listing({ provider_id: providerId, date });
      return (JSON.parse(answer.toString('utf8')) as { slots: { index: number }[] }).slots.map((slot) => slot.index);
    }

    const take = (startIndex: number, slotCount = 1, exceptAppointment?: { id: number; holdId: string }) =>
      sut.takeableSlots({ providerId, date: HARNESS_TODAY, startIndex, slotCount, exceptAppointment });

    it('stops listing a slot the instant the notice closes it, as a request is refused from then on', async () => {
      harness.providersRepository.setRules(providerId, { minimumNoticeMinutes: 60 });
      expect(await cached()).toEqual([40, 41, 42, 43]);
      await expect(take(TEN_AM)).resolves.toMatchObject({ slots: [expect.objectContaining({ index: TEN_AM })] });

      harness.clock.set(HARNESS_START + 1);

      expect(await listed()).toEqual([41, 42, 43]);
      await expect(take(TEN_AM)).rejects.toMatchObject({ code: 'TOO_SOON', status: 422 });
    });

    it('keeps the buffer around a hold from being listed or requested, and answers the buffer slots to claim', async () => {
      harness.providersRepository.setRules(providerId, { bufferMinutes: 15 });
      await expect(take(QUARTER_PAST_TEN)).resolves.toMatchObject({
        mustBeFree: [
          { date: HARNESS_TODAY, index: TEN_AM },
          { date: HARNESS_TODAY, index: 42 },
        ],
      });
      await harness.request(providerId, clientId, QUARTER_PAST_TEN);

      expect(await listed()).toEqual([43]);
      await expect(take(42)).rejects.toMatchObject({ code: 'SLOT_UNAVAILABLE' });
      await expect(take(43)).resolves.toMatchObject({ slots: [expect.objectContaining({ index: 43 })] });
    });

    it('lets the appointment being moved overlap its own times and buffer, and no other', async () => {
      harness.providersRepository.setRules(providerId, { bufferMinutes: 15 });
      const appointmentId = await harness.book(providerId, clientId, TEN_AM);
      const { holdId } = (await harness.appointmentsRepository.findById(appointmentId))!;

      await expect(take(QUARTER_PAST_TEN, 2)).rejects.toMatchObject({ code: 'SLOT_UNAVAILABLE' });
      await expect(take(QUARTER_PAST_TEN, 2, { id: appointmentId, holdId })).resolves.toMatchObject({
        slots: [expect.objectContaining({ index: 41 }), expect.objectContaining({ index: 42 })],
        day: expect.objectContaining({ bookable: new Set([40, 41, 42, 43]) }),
      });
      await expect(take(QUARTER_PAST_TEN, 2, { id: appointmentId + 1, holdId: 'another' })).rejects.toMatchObject({
        code: 'SLOT_UNAVAILABLE',
      });
    });

    it('drops the next day’s listing at once when a hold’s buffer reaches across midnight', async () => {
      harness.providersRepository.setRules(providerId, { bufferMinutes: 30 });
      await harness.publish(providerId, HARNESS_TODAY, '22:00', '24:00');
      await harness.publish(providerId, TOMORROW, '00:00', '01:00');
      await listedOn(TOMORROW);
      expect(await listedOn(TOMORROW)).toEqual([0, 1, 2, 3]);

      await harness.request(providerId, clientId, 95);

      expect(await listedOn(TOMORROW)).toEqual([2, 3]);
    });

    it('drops every listed day of the provider, and of no other, when its hours or rules change', async () => {
      const otherId = await harness.addProvider();
      await harness.publish(providerId, TOMORROW, '10:00', '11:00');
      await harness.publish(otherId, HARNESS_TODAY, '10:00', '11:00');
      const listOther = async () => {
        const answer = await sut.listing({ provider_id: otherId, date: HARNESS_TODAY });
        return (JSON.parse(answer.toString('utf8')) as { slots: unknown[] }).slots.length;
      };
      expect([await listed(), await listedOn(TOMORROW), await listOther()]).toEqual([[40, 41, 42, 43], [40, 41, 42, 43], 4]);
      harness.providersRepository.setRules(providerId, { minimumNoticeMinutes: 3 * 1440 });
      harness.providersRepository.setRules(otherId, { minimumNoticeMinutes: 3 * 1440 });
      const loadsBefore = loads.mock.calls.length;

      await harness.domainEvents.emit('schedule.hours_changed', { providerId });

      expect([await listed(), await listedOn(TOMORROW), await listOther()]).toEqual([[], [], 4]);
      expect(loads.mock.calls.length - loadsBefore).toBe(2);
    });
  });
});
