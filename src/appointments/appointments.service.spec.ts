import { ADMIN } from '../access/caller';
import { client, HARNESS_TODAY, HOLD_TTL_SECONDS, ServiceHarness } from '../../test/support/service-harness';
import { AppointmentsService } from './appointments.service';

/** The slot of 10:00 wall-clock; the harness's clock starts at 09:00 in the provider's zone. */
const TEN_AM = 40;

describe(AppointmentsService.name, () => {
  let harness: ServiceHarness;
  let sut: AppointmentsService;
  let providerId: number;
  let clientId: number;
  let rivalId: number;

  beforeEach(async () => {
    harness = await ServiceHarness.create();
    sut = harness.appointments;
    providerId = await harness.addProvider();
    clientId = await harness.addClient();
    rivalId = await harness.addClient();
    await harness.publish(providerId, HARNESS_TODAY, '10:00', '12:00');
  });

  afterEach(() => harness.close());

  const ask = (who: number, slot = TEN_AM) =>
    sut.request({ provider_id: providerId, client_id: who, date: HARNESS_TODAY, requested_slot: slot, duration_minutes: 30 }, client(who));

  describe('request', () => {
    it('holds the slots, writes the pending appointment, mails its link and tells listeners', async () => {
      const expiresAt = harness.clock.nowMs() + HOLD_TTL_SECONDS * 1000;

      const pending = await ask(clientId);

      expect(pending).toMatchObject({
        status: 'pending',
        start_time: '10:00',
        end_time: '10:30',
        expires_at: new Date(expiresAt).toISOString(),
      });
      expect(await harness.appointmentsRepository.findById(pending.appointment_id)).toMatchObject({
        status: 'pending',
        slotIndexes: '40,41',
      });
      await expect(ask(rivalId, TEN_AM + 1)).rejects.toMatchObject({ code: 'SLOT_UNAVAILABLE', status: 409 });
      expect(harness.outbox.messages.filter((message) => message.kind === 'validation')).toEqual([
        expect.objectContaining({
          channel: 'email',
          kind: 'validation',
          appointmentId: pending.appointment_id,
          providerId,
          payload: expect.objectContaining({
            to: expect.stringMatching(/@scheduler\.test$/),
            link: expect.stringMatching(/^http:\/\/scheduler\.test\/api\/validate\?token=/),
          }),
        }),
      ]);
      expect(harness.emitted('appointment.requested')).toEqual([
        expect.objectContaining({ appointmentId: pending.appointment_id, clientId, expiresAt }),
      ]);
      // The rival's request claimed nothing.
      await expect(harness.metrics.scrape({ caller: ADMIN })).resolves.toMatch(/^scheduler_holds_claimed_total 1$/m);
    });

    it.each([
      { step: 'the confirmation link email cannot be written', fail: () => jest.spyOn(harness.outbox, 'add') },
      { step: 'the pending appointment cannot be written', fail: () => jest.spyOn(harness.appointmentsRepository, 'insertPending') },
    ])('undoes everything when $step: the hold is released and no appointment is left', async ({ fail }) => {
      fail().mockRejectedValueOnce(new Error('the outside world said no'));

      await expect(ask(clientId)).rejects.toThrow('the outside world said no');

      expect(await harness.appointmentsRepository.list({ providerId })).toEqual([]);
      expect(harness.emitted('appointment.requested')).toEqual([]);
      // The slots are free at once, not only when the hold would have lapsed.
      await expect(ask(rivalId)).resolves.toMatchObject({ status: 'pending', client_id: rivalId });
    });
  });

  describe('request under booking rules', () => {
    it('answers an unknown client before a booking rule, and the rule before anything is held', async () => {
      harness.providersRepository.setRules(providerId, { bookingHorizonDays: 1 });
      const farAhead = { provider_id: providerId, date: '2030-03-07', requested_slot: TEN_AM };

      await expect(sut.request({ ...farAhead, client_id: 999 }, ADMIN)).rejects.toMatchObject({ code: 'CLIENT_NOT_FOUND' });
      await expect(sut.request({ ...farAhead, client_id: clientId }, client(clientId))).rejects.toMatchObject({
        code: 'TOO_FAR_AHEAD',
        status: 422,
      });
      await expect(
        sut.request({ provider_id: 999, client_id: 999, date: HARNESS_TODAY, requested_slot: TEN_AM }, ADMIN),
      ).rejects.toMatchObject({
        code: 'PROVIDER_NOT_FOUND',
      });
      await expect(harness.metrics.scrape({ caller: ADMIN })).resolves.toMatch(/^scheduler_holds_claimed_total 0$/m);
    });

    it('is refused by the hold store when a rival claimed its buffer after the slots were read', async () => {
      harness.providersRepository.setRules(providerId, { bufferMinutes: 15 });
      await ask(rivalId, TEN_AM);
      // The read saw nothing held, as if it had happened before the rival's claim.
      jest.spyOn(harness.holds, 'holders').mockResolvedValueOnce(new Map());

      await expect(ask(clientId, TEN_AM + 2)).rejects.toMatchObject({ code: 'SLOT_UNAVAILABLE' });

      expect((await harness.appointmentsRepository.list({ providerId })).map((row) => row.clientId)).toEqual([rivalId]);
      await expect(ask(clientId, TEN_AM + 3)).resolves.toMatchObject({ status: 'pending', start_time: '10:45' });
    });
  });

  describe('caps', () => {
    const askFor = (who: number, provider: number, slot: number) =>
      sut.request({ provider_id: provider, client_id: who, date: HARNESS_TODAY, requested_slot: slot }, client(who));

    it('refuses a sixth pending hold across providers (MAX_PENDING_PER_CLIENT 5), releasing its hold; a confirmation frees a place', async () => {
      const otherId = await harness.addProvider();
      await harness.publish(otherId, HARNESS_TODAY, '10:00', '12:00');
      for (const [provider, slot] of [
        [providerId, 40],
        [providerId, 41],
        [otherId, 40],
        [otherId, 41],
        [otherId, 42],
      ]) {
        await expect(askFor(clientId, provider, slot)).resolves.toMatchObject({ status: 'pending' });
      }

      await expect(askFor(clientId, providerId, 42)).rejects.toMatchObject({ code: 'LIMIT_REACHED', status: 409 });

      // The refused request's slot is free at once, for another client.
      await expect(askFor(rivalId, providerId, 42)).resolves.toMatchObject({ status: 'pending' });
      const [first] = await harness.appointmentsRepository.list({ clientId });
      await harness.confirmations.confirm(harness.outbox.tokenFor(first.id));
      await expect(askFor(clientId, providerId, 43)).resolves.toMatchObject({ status: 'pending' });
    });

    it('does not count pending holds that lapsed', async () => {
      for (const slot of [40, 41, 42, 43, 44]) await askFor(clientId, providerId, slot);
      await expect(askFor(clientId, providerId, 45)).rejects.toMatchObject({ code: 'LIMIT_REACHED' });

      harness.clock.advance(HOLD_TTL_SECONDS / 60);

      await expect(askFor(clientId, providerId, 45)).resolves.toMatchObject({ status: 'pending' });
    });

    it('refuses a client at max_active_per_client with this provider, counting confirmed ones not started, and not with another', async () => {
      harness.providersRepository.setRules(providerId, { maxActivePerClient: 2 });
      const otherId = await harness.addProvider();
      await harness.publish(otherId, HARNESS_TODAY, '10:00', '12:00');
      const booked = await harness.book(providerId, clientId, 40);
      await askFor(clientId, providerId, 42);

      await expect(askFor(clientId, providerId, 44)).rejects.toMatchObject({ code: 'LIMIT_REACHED' });
      await expect(askFor(clientId, otherId, 44)).resolves.toMatchObject({ status: 'pending' });
      await expect(askFor(rivalId, providerId, 44)).resolves.toMatchObject({ status: 'pending' });

      // Once the confirmed appointment has started it is no longer upcoming.
      harness.clock.set(Date.parse('2030-03-04T09:00:00Z'));
      await expect(askFor(clientId, providerId, 45)).resolves.toMatchObject({ status: 'pending' });
      expect((await harness.appointmentsRepository.findById(booked))?.status).toBe('confirmed');
    });
  });

  describe('cancel', () => {
    it.each([
      { status: 'pending', make: () => ask(clientId).then((pending) => pending.appointment_id) },
      { status: 'confirmed', make: () => harness.book(providerId, clientId, TEN_AM) },
    ])('cancels a $status appointment, opens its slots at once and tells listeners once', async ({ status, make }) => {
      const appointmentId = await make();

      await expect(sut.cancel(appointmentId, client(clientId))).resolves.toMatchObject({ id: appointmentId, status: 'cancelled' });
      await expect(sut.cancel(appointmentId, ADMIN)).resolves.toMatchObject({ status: 'cancelled' });

      await expect(harness.request(providerId, rivalId, TEN_AM)).resolves.toMatchObject({ appointmentId: expect.any(Number) });
      expect(harness.emitted('appointment.cancelled')).toEqual([
        expect.objectContaining({ appointmentId, previousStatus: status, cancelledAt: harness.clock.nowMs() }),
      ]);
    });
  });
});
