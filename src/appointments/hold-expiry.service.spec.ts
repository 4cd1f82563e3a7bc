import { ADMIN } from '../access/caller';
import { client, HARNESS_TODAY, HOLD_TTL_SECONDS, ServiceHarness } from '../../test/support/service-harness';
import { HoldExpiryService } from './hold-expiry.service';

/** The slot of 10:00 wall-clock; the harness's clock starts at 09:00 in the provider's zone. */
const TEN_AM = 40;
const TTL_MINUTES = HOLD_TTL_SECONDS / 60;

describe(HoldExpiryService.name, () => {
  let harness: ServiceHarness;
  let sut: HoldExpiryService;
  let providerId: number;
  let clientId: number;

  beforeEach(async () => {
    harness = await ServiceHarness.create();
    sut = harness.holdExpiry;
    providerId = await harness.addProvider();
    clientId = await harness.addClient();
    await harness.publish(providerId, HARNESS_TODAY, '10:00', '12:00');
  });

  afterEach(() => harness.close());

  const storedStatus = async (appointmentId: number) => (await harness.appointmentsRepository.findById(appointmentId))!.status;
  const expiredIds = () => harness.emitted('appointment.expired').map((event) => event.appointmentId);

  describe('sweep', () => {
    it('marks every lapsed hold expired and tells each lapse once, however often it sweeps', async () => {
      const first = await harness.request(providerId, clientId, TEN_AM);
      harness.clock.advance(1);
      const second = await harness.request(providerId, clientId, TEN_AM + 1);
      const confirmed = await harness.book(providerId, clientId, TEN_AM + 2);
      harness.clock.advance(TTL_MINUTES - 0.5);

      // Only the first has lapsed by now.
      await expect(sut.sweep()).resolves.toBe(1);
      expect(expiredIds()).toEqual([first.appointmentId]);
      harness.clock.advance(1);
      await expect(sut.sweep()).resolves.toBe(1);
      await expect(sut.sweep()).resolves.toBe(0);

      expect(expiredIds()).toEqual([first.appointmentId, second.appointmentId]);
      expect(harness.emitted('appointment.expired')[0]).toMatchObject({
        providerId,
        clientId,
        expiresAt: (await harness.appointmentsRepository.findById(first.appointmentId))!.expiresAt,
      });
      expect(await storedStatus(first.appointmentId)).toBe('expired');
      expect(await storedStatus(second.appointmentId)).toBe('expired');
      expect(await storedStatus(confirmed)).toBe('confirmed');
    });

    it('leaves a hold alone until its expiry, and a cancelled one for good', async () => {
      const pending = await harness.request(providerId, clientId, TEN_AM);
      const cancelled = await harness.request(providerId, clientId, TEN_AM + 1);
      await harness.appointments.cancel(cancelled.appointmentId, ADMIN);
      harness.clock.advance(TTL_MINUTES - 1 / 60);

      await expect(sut.sweep()).resolves.toBe(0);
      harness.clock.advance(TTL_MINUTES);
      await expect(sut.sweep()).resolves.toBe(1);

      expect(expiredIds()).toEqual([pending.appointmentId]);
      expect(await storedStatus(cancelled.appointmentId)).toBe('cancelled');
    });

    it.each([
      { first: 'the sweep', then: 'a link pressed late' },
      { first: 'a link pressed late', then: 'the sweep' },
    ])('tells a lapse once when $first notices it before $then', async ({ first }) => {
      const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);
      harness.clock.advance(TTL_MINUTES + 1);
      const sweep = () => sut.sweep();
      const press = () => expect(harness.confirmations.confirm(token)).rejects.toMatchObject({ code: 'HOLD_EXPIRED', status: 410 });

      if (first === 'the sweep') {
        await sweep();
        await press();
      } else {
        await press();
        await sweep();
      }
      await press();

      expect(expiredIds()).toEqual([appointmentId]);
      expect(await storedStatus(appointmentId)).toBe('expired');
    });
  });

  it('leaves the lapse to the sweep when a late link cannot record it: the answer is still 410', async () => {
    const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);
    harness.clock.advance(TTL_MINUTES + 1);
    jest.spyOn(harness.appointmentsRepository, 'expire').mockRejectedValueOnce(new Error('connection reset'));

    await expect(harness.confirmations.confirm(token)).rejects.toMatchObject({ code: 'HOLD_EXPIRED', status: 410 });
    expect(expiredIds()).toEqual([]);
    await sut.sweep();

    expect(expiredIds()).toEqual([appointmentId]);
  });

  describe('an expired appointment', () => {
    it('reads expired, with its expiry, singly and in lists, before and after it is marked', async () => {
      const { appointmentId } = await harness.request(providerId, clientId, TEN_AM);
      harness.clock.advance(TTL_MINUTES);
      const expected = { id: appointmentId, status: 'expired', expires_at: expect.any(String) };

      await expect(harness.appointments.get(appointmentId, ADMIN)).resolves.toMatchObject(expected);
      await sut.sweep();
      await expect(harness.appointments.get(appointmentId, client(clientId))).resolves.toMatchObject(expected);
      await expect(harness.appointments.list({ provider_id: providerId }, ADMIN)).resolves.toEqual({
        items: [expect.objectContaining(expected)],
      });
    });

    it.each([{ swept: true }, { swept: false }])(
      'stays expired when cancelled (swept: $swept): nothing is cancelled and nobody is told',
      async ({ swept }) => {
        const { appointmentId } = await harness.request(providerId, clientId, TEN_AM);
        harness.clock.advance(TTL_MINUTES);
        if (swept) await sut.sweep();

        await expect(harness.appointments.cancel(appointmentId, client(clientId))).resolves.toMatchObject({ status: 'expired' });

        expect(harness.emitted('appointment.cancelled')).toEqual([]);
        expect(await storedStatus(appointmentId)).toBe(swept ? 'expired' : 'pending');
      },
    );

    it('frees its slots for another request', async () => {
      await harness.request(providerId, clientId, TEN_AM);
      harness.clock.advance(TTL_MINUTES);
      await sut.sweep();

      await expect(harness.request(providerId, await harness.addClient(), TEN_AM)).resolves.toMatchObject({
        appointmentId: expect.any(Number),
      });
    });
  });
});
