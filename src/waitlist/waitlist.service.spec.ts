import { ADMIN } from '../access/caller';
import { client, HARNESS_TODAY, HOLD_TTL_SECONDS, ServiceHarness } from '../../test/support/service-harness';
import { WaitlistService } from './waitlist.service';

/** 10:00 wall-clock; the harness's clock starts at 09:00 in the provider's zone. */
const TEN_AM = 40;

describe(WaitlistService.name, () => {
  let harness: ServiceHarness;
  let sut: WaitlistService;
  let providerId: number;

  beforeEach(async () => {
    harness = await ServiceHarness.create();
    sut = harness.waitlist;
    providerId = await harness.addProvider();
    await harness.publish(providerId, HARNESS_TODAY, '10:00', '10:30');
  });

  afterEach(() => harness.close());

  async function waiter(fields: { duration_minutes?: number; from_slot?: number; to_slot?: number } = {}) {
    const clientId = await harness.addClient();
    const entry = await sut.join({ provider_id: providerId, client_id: clientId, date: HARNESS_TODAY, ...fields }, client(clientId));
    return { clientId, entryId: entry.id };
  }

  const offersTo = (appointmentId: number) =>
    harness.outbox.messages.filter((message) => message.kind === 'waitlist_offer' && message.appointmentId === appointmentId);

  it('holds the fitting slots for the longest-waiting entry that fits, through the request path', async () => {
    const taken = [await harness.book(providerId, await harness.addClient(), TEN_AM)];
    taken.push(await harness.book(providerId, await harness.addClient(), TEN_AM + 1));
    const tooLong = await waiter({ duration_minutes: 30 });
    const fits = await waiter();
    await expect(sut.offerFor(providerId, HARNESS_TODAY)).resolves.toBe(0);

    await harness.appointments.cancel(taken[1], ADMIN);
    await expect(sut.offerFor(providerId, HARNESS_TODAY)).resolves.toBe(1);

    const offered = await sut.get(fits.entryId, ADMIN);
    expect(offered).toMatchObject({ status: 'offered', appointment_id: expect.any(Number) });
    const appointment = await harness.appointmentsRepository.findById(offered.appointment_id!);
    expect(appointment).toMatchObject({
      status: 'pending',
      clientId: fits.clientId,
      slotIndexes: '41',
      expiresAt: harness.clock.nowMs() + HOLD_TTL_SECONDS * 1000,
    });
    expect(offersTo(appointment!.id)).toHaveLength(1);
    // The slot is held as a request's would be: nobody else may take it.
    await expect(harness.request(providerId, await harness.addClient(), TEN_AM + 1)).rejects.toMatchObject({ code: 'SLOT_UNAVAILABLE' });
    await expect(sut.get(tooLong.entryId, ADMIN)).resolves.toMatchObject({ status: 'waiting' });
    expect(harness.emitted('waitlist.offered')).toEqual([
      expect.objectContaining({ appointmentId: appointment!.id, entry: expect.objectContaining({ id: fits.entryId, status: 'offered' }) }),
    ]);
    // Nothing is left to offer: a second pass makes none.
    await expect(sut.offerFor(providerId, HARNESS_TODAY)).resolves.toBe(0);
  });

  it('reads booked once the link is pressed, and lapsed once the hold lapses', async () => {
    const booked = await waiter();
    const lapsing = await waiter();
    await expect(sut.offerFor(providerId, HARNESS_TODAY)).resolves.toBe(2);
    const [first, second] = [await sut.get(booked.entryId, ADMIN), await sut.get(lapsing.entryId, ADMIN)];
    await harness.confirmations.confirm(harness.outbox.tokenFor(first.appointment_id!));

    harness.clock.advance(HOLD_TTL_SECONDS / 60 + 1);
    // No listener ran, no sweep marked it: the entry reads its appointment as it stands.
    await expect(sut.get(booked.entryId, ADMIN)).resolves.toMatchObject({ status: 'booked' });
    await expect(sut.get(lapsing.entryId, ADMIN)).resolves.toMatchObject({ status: 'lapsed', appointment_id: second.appointment_id });
    // A lapsed entry gets no second offer.
    await expect(sut.offerFor(providerId, HARNESS_TODAY)).resolves.toBe(0);
  });

  it('passes over a client at its cap and releases the hold it claimed for it', async () => {
    await harness.providers.update(providerId, { max_active_per_client: 1 }, ADMIN);
    const capped = await waiter();
    await harness.request(providerId, capped.clientId, TEN_AM);
    const next = await waiter();

    await expect(sut.offerFor(providerId, HARNESS_TODAY)).resolves.toBe(1);

    await expect(sut.get(capped.entryId, ADMIN)).resolves.toMatchObject({ status: 'waiting', appointment_id: null });
    await expect(sut.get(next.entryId, ADMIN)).resolves.toMatchObject({ status: 'offered' });
    // The capped client's attempt left nothing held: 10:15 went to the next entry.
    const appointment = await harness.appointmentsRepository.findById((await sut.get(next.entryId, ADMIN)).appointment_id!);
    expect(appointment).toMatchObject({ slotIndexes: String(TEN_AM + 1) });
  });

  it('undoes an offer whose entry was offered or left meanwhile, and frees its slots', async () => {
    const entry = await waiter();
    // Another process offers the entry between this one's read and its write.
    const repository = harness.waitlistRepository;
    const waitingOn = repository.waitingOn.bind(repository);
    repository.waitingOn = async (...args) => {
      const rows = await waitingOn(...args);
      repository.forceStatus(entry.entryId, 'left');
      return rows;
    };

    await expect(sut.offerFor(providerId, HARNESS_TODAY)).resolves.toBe(0);

    // (The recording outbox keeps what the undone transaction wrote; the database's would be rolled back with it.)
    expect(await harness.appointmentsRepository.list({ providerId })).toEqual([]);
    await expect(harness.request(providerId, await harness.addClient(), TEN_AM)).resolves.toMatchObject({
      appointmentId: expect.any(Number),
    });
  });

  it('leaving cancels an outstanding offer; a left entry is never offered', async () => {
    const leaving = await waiter({ from_slot: TEN_AM, to_slot: TEN_AM + 1 });
    await expect(sut.offerFor(providerId, HARNESS_TODAY)).resolves.toBe(1);
    const offered = await sut.get(leaving.entryId, ADMIN);

    await sut.leave(leaving.entryId, client(leaving.clientId));

    await expect(sut.get(leaving.entryId, ADMIN)).resolves.toMatchObject({ status: 'left', appointment_id: offered.appointment_id });
    expect(await harness.appointmentsRepository.findById(offered.appointment_id!)).toMatchObject({ status: 'cancelled' });
    const stays = await waiter({ from_slot: TEN_AM, to_slot: TEN_AM + 1 });
    const gone = await waiter();
    await sut.leave(gone.entryId, ADMIN);
    await expect(sut.offerFor(providerId, HARNESS_TODAY)).resolves.toBe(1);
    await expect(sut.get(stays.entryId, ADMIN)).resolves.toMatchObject({ status: 'offered' });
    await expect(sut.get(gone.entryId, ADMIN)).resolves.toMatchObject({ status: 'left', appointment_id: null });
  });

  it('refuses a bad window or a past date before writing anything', async () => {
    const clientId = await harness.addClient();
    const join = (fields: object) => sut.join({ provider_id: providerId, client_id: clientId, date: HARNESS_TODAY, ...fields }, ADMIN);
    await expect(join({ from_slot: 40, to_slot: 40 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      extra: { errors: [{ field: 'to_slot' }] },
    });
    await expect(join({ from_slot: 40, to_slot: 41, duration_minutes: 30 })).rejects.toMatchObject({
      extra: { errors: [{ field: 'duration_minutes' }] },
    });
    await expect(join({ date: '2030-03-03' })).rejects.toMatchObject({ extra: { errors: [{ field: 'date' }] } });
    await expect(join({ client_id: clientId + 100 })).rejects.toMatchObject({ code: 'CLIENT_NOT_FOUND' });
    await expect(sut.list({}, ADMIN)).resolves.toEqual({ items: [] });
  });
});
