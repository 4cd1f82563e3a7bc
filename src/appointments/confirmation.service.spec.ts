import { ADMIN } from '../access/caller';
import { HARNESS_TODAY, HOLD_TTL_SECONDS, ServiceHarness } from '../../test/support/service-harness';
import { holdOf } from './appointment-hold';
import { ConfirmationService } from './confirmation.service';

/** The slot of 10:00 wall-clock; the harness's clock starts at 09:00 in the provider's zone. */
const TEN_AM = 40;

/** A token whose claims name another appointment, under the original's signature. */
function forge(signedFor: string, claimsOf: string): string {
  const [header, , signature] = signedFor.split('.');
  return [header, claimsOf.split('.')[1], signature].join('.');
}

describe(ConfirmationService.name, () => {
  let harness: ServiceHarness;
  let sut: ConfirmationService;
  let providerId: number;
  let clientId: number;
  let rivalId: number;

  beforeEach(async () => {
    harness = await ServiceHarness.create();
    sut = harness.confirmations;
    providerId = await harness.addProvider();
    clientId = await harness.addClient();
    rivalId = await harness.addClient();
    await harness.publish(providerId, HARNESS_TODAY, '10:00', '12:00');
  });

  afterEach(() => harness.close());

  const storedHold = async (appointmentId: number) => holdOf((await harness.appointmentsRepository.findById(appointmentId))!);
  const statusOf = async (appointmentId: number) => (await harness.appointmentsRepository.findById(appointmentId))!.status;
  /** Whether this appointment's hold still owns all its slots (pinning for 0 ms changes nothing). */
  const stillHeld = async (appointmentId: number) => (await harness.holds.pin(await storedHold(appointmentId), 0)) === 'held';
  /** The hold store forgets a hold, as a Redis restart without persistence would. */
  const loseHold = async (appointmentId: number) => harness.holds.release(await storedHold(appointmentId));

  describe('confirm', () => {
    it('books the held slots once, mails the confirmation and tells listeners', async () => {
      const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);

      await expect(sut.confirm(token)).resolves.toMatchObject({
        status: 'confirmed',
        appointment: { id: appointmentId, status: 'confirmed', start_time: '10:00', end_time: '10:15' },
      });

      const now = harness.clock.nowMs();
      expect(await harness.appointmentsRepository.findById(appointmentId)).toMatchObject({ status: 'confirmed', confirmedAt: now });
      // Once the hold has lapsed, what keeps the slot from being asked for again is the booking itself.
      harness.clock.advance(HOLD_TTL_SECONDS / 60 + 1);
      await expect(harness.request(providerId, rivalId, TEN_AM)).rejects.toMatchObject({ code: 'SLOT_UNAVAILABLE' });
      expect(harness.outbox.messages.filter((message) => message.kind === 'confirmation')).toEqual([
        expect.objectContaining({
          channel: 'email',
          appointmentId,
          payload: expect.objectContaining({
            attachments: [expect.objectContaining({ content: expect.stringContaining('BEGIN:VCALENDAR') })],
          }),
        }),
      ]);
      expect(harness.emitted('appointment.confirmed')).toEqual([
        expect.objectContaining({ appointmentId, providerId, clientId, confirmedAt: now }),
      ]);
    });

    it("keeps the slots pinned while the booking commits, even past the hold's own expiry", async () => {
      const { token } = await harness.request(providerId, clientId, TEN_AM);
      harness.clock.advance(HOLD_TTL_SECONDS / 60 - 0.5);
      const book = harness.appointmentsRepository.book.bind(harness.appointmentsRepository);
      let rivalOutcome: string | undefined;
      jest.spyOn(harness.appointmentsRepository, 'book').mockImplementationOnce(async (...args) => {
        harness.clock.advance(0.75); // a slow commit: the hold's expiry passes meanwhile
        rivalOutcome = await harness.request(providerId, rivalId, TEN_AM).then(
          () => 'held by the rival',
          (error: { code?: string }) => error.code,
        );
        return book(...args);
      });

      await expect(sut.confirm(token)).resolves.toMatchObject({ status: 'confirmed' });
      expect(rivalOutcome).toBe('SLOT_UNAVAILABLE');
    });

    it('claims the slots again for a hold the store lost, when they are still free', async () => {
      const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);
      await loseHold(appointmentId);

      await expect(sut.confirm(token)).resolves.toMatchObject({ status: 'confirmed', appointment: { id: appointmentId } });
      expect(await statusOf(appointmentId)).toBe('confirmed');
    });

    it.each([
      {
        why: 'the hold has lapsed',
        arrange: async () => harness.clock.advance(HOLD_TTL_SECONDS / 60),
        code: 'HOLD_EXPIRED',
        status: 410,
        stays: 'expired',
      },
      {
        why: "the token's claims were swapped for another appointment's",
        arrange: async (token: string) => forge(token, (await harness.request(providerId, rivalId, TEN_AM + 1)).token),
        code: 'TOKEN_INVALID',
        status: 401,
        stays: 'pending',
      },
      {
        why: 'the appointment is already confirmed',
        arrange: async (token: string) => void (await sut.confirm(token)),
        code: 'ALREADY_CONFIRMED',
        status: 409,
        stays: 'confirmed',
      },
      {
        why: 'the appointment was cancelled',
        arrange: async (token: string, appointmentId: number) => void (await harness.appointments.cancel(appointmentId, ADMIN)),
        code: 'HOLD_CANCELLED',
        status: 409,
        stays: 'cancelled',
      },
    ])('answers $code ($status) when $why, and books nothing', async ({ arrange, code, status, stays }) => {
      const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);
      const pressed = (await arrange(token, appointmentId)) ?? token;
      const confirmedBefore = harness.emitted('appointment.confirmed').length;

      await expect(sut.confirm(pressed)).rejects.toMatchObject({ code, status });
      expect(await statusOf(appointmentId)).toBe(stays);
      expect(harness.emitted('appointment.confirmed')).toHaveLength(confirmedBefore);
    });

    it('carries the appointment in its ALREADY_CONFIRMED answer', async () => {
      const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);
      await sut.confirm(token);

      await expect(sut.confirm(token)).rejects.toMatchObject({ extra: { appointment: { id: appointmentId, status: 'confirmed' } } });
    });

    it('tells listeners of a lapse it notices', async () => {
      const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);
      harness.clock.advance(HOLD_TTL_SECONDS / 60 + 1);

      await expect(sut.confirm(token)).rejects.toMatchObject({ code: 'HOLD_EXPIRED' });
      expect(harness.emitted('appointment.expired')).toEqual([
        expect.objectContaining({ appointmentId, providerId, clientId, noticedAt: harness.clock.nowMs() }),
      ]);
    });

    it.each([
      {
        why: "another client's hold took the slots",
        arrange: async (appointmentId: number) => {
          await loseHold(appointmentId);
          await harness.request(providerId, rivalId, TEN_AM);
        },
      },
      {
        why: 'another booking took the slots and the store lost it too',
        arrange: async (appointmentId: number) => {
          await loseHold(appointmentId);
          const rival = await harness.request(providerId, rivalId, TEN_AM);
          await sut.confirm(rival.token);
          await loseHold(rival.appointmentId);
        },
      },
    ])('answers SLOT_UNAVAILABLE (409) when its hold was lost and $why; the appointment stays pending', async ({ arrange }) => {
      const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);
      await arrange(appointmentId);

      await expect(sut.confirm(token)).rejects.toMatchObject({ code: 'SLOT_UNAVAILABLE', status: 409 });
      expect(await statusOf(appointmentId)).toBe('pending');
      expect(await stillHeld(appointmentId)).toBe(false);
      expect(harness.emitted('appointment.confirmed').map((event) => event.appointmentId)).not.toContain(appointmentId);
    });

    it('leaves the hold in place when the booking fails, so the same link works again', async () => {
      const { appointmentId, token } = await harness.request(providerId, clientId, TEN_AM);
      jest.spyOn(harness.appointmentsRepository, 'book').mockRejectedValueOnce(new Error('connection reset'));

      await expect(sut.confirm(token)).rejects.toThrow('connection reset');
      expect(await statusOf(appointmentId)).toBe('pending');
      expect(await stillHeld(appointmentId)).toBe(true);

      await expect(sut.confirm(token)).resolves.toMatchObject({ status: 'confirmed', appointment: { id: appointmentId } });
    });
  });
});
