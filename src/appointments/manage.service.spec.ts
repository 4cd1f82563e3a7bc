import { JwtService } from '@nestjs/jwt';
import { Caller } from '../access/caller';
import { AppError } from '../common/app-error';
import { AppointmentEntity } from './entities/appointment.entity';
import { ManageLinks } from './manage-links';
import { ManageService } from './manage.service';
import { AppointmentsService } from './appointments.service';
import { ProvidersService } from '../providers/providers.service';
import { ClientsService } from '../clients/clients.service';
import { DayPicker } from './day-picker';
import { Clock } from '../common/clock';

const NOW = Date.parse('2030-03-04T08:00:00Z');
const START = Date.parse('2030-03-06T09:00:00Z');

const stored = (changes: Partial<AppointmentEntity> = {}): AppointmentEntity => ({
  id: 7,
  providerId: 1,
  clientId: 3,
  date: '2030-03-06',
  slotIndexes: '40,41',
  startTime: '10:00',
  endTime: '10:30',
  startAt: START,
  endAt: START + 30 * 60_000,
  status: 'confirmed',
  holdId: 'hold',
  expiresAt: NOW,
  createdAt: NOW - 60_000,
  confirmedAt: NOW - 30_000,
  cancelledAt: null,
  rescheduledAt: null,
  cancellationReason: null,
  revision: 0,
  guestName: null,
  guestPhone: null,
  ...changes,
});

/** The appointments as the manage routes see them, recording what they are asked to do and by whom. */
class RecordingAppointments {
  appointment = stored();
  readonly calls: { action: string; id: number; caller: Caller; args: unknown[] }[] = [];
  find(id: number): Promise<AppointmentEntity> {
    if (id !== this.appointment.id) return Promise.reject(new AppError('APPOINTMENT_NOT_FOUND', 'none'));
    return Promise.resolve(this.appointment);
  }
  cancel(id: number, caller: Caller, ...args: unknown[]) {
    this.calls.push({ action: 'cancel', id, caller, args });
    return Promise.resolve({ id, status: 'cancelled' });
  }
  reschedule(id: number, to: unknown, caller: Caller, ...args: unknown[]) {
    this.calls.push({ action: 'reschedule', id, caller, args: [to, ...args] });
    return Promise.resolve({ id, status: 'confirmed' });
  }
}

class FixedClock extends Clock {
  at = NOW;
  override now(): Date {
    return new Date(this.at);
  }
}

describe(ManageService.name, () => {
  const jwt = new JwtService({ secret: 'unit-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz' });
  const links = new ManageLinks(jwt, { publicUrl: 'http://scheduler.test' } as never);
  let appointments: RecordingAppointments;
  let clock: FixedClock;
  let sut: ManageService;

  beforeEach(() => {
    appointments = new RecordingAppointments();
    clock = new FixedClock();
    const providers = { get: () => Promise.resolve({ id: 1, name: 'Dr. A', timeZone: 'Europe/Paris' }) };
    const client = () => Promise.resolve({ id: 3, name: 'Grace' });
    const clients = { get: client, getRecord: client };
    sut = new ManageService(
      links,
      appointments as unknown as AppointmentsService,
      providers as unknown as ProvidersService,
      clients as unknown as ClientsService,
      {} as DayPicker,
      clock,
    );
  });

  const tokenFor = (changes: Partial<AppointmentEntity> = {}) => links.tokenFor(stored(changes));

  it('opens the appointment of a current link, with its provider, client and duration', async () => {
    await expect(sut.open(tokenFor())).resolves.toMatchObject({
      appointment: { id: 7 },
      provider: { name: 'Dr. A' },
      clientName: 'Grace',
      durationMinutes: 30,
    });
  });

  it('cancels as the appointment’s client, with the reason given (none when blank)', async () => {
    await sut.cancel(tokenFor(), 'Feeling better');
    await sut.cancel(tokenFor(), '   ');
    expect(appointments.calls).toEqual([
      // Acting only at the revision the link was signed for (0).
      { action: 'cancel', id: 7, caller: { role: 'client', clientId: 3 }, args: ['Feeling better', 0] },
      { action: 'cancel', id: 7, caller: { role: 'client', clientId: 3 }, args: [undefined, 0] },
    ]);
  });

  it.each([
    { case: 'a link of an earlier revision', stored: { revision: 2 }, token: { revision: 1 }, code: 'LINK_SUPERSEDED' },
    { case: 'a link of a cancelled appointment', stored: { status: 'cancelled' as const }, token: {}, code: 'LINK_SUPERSEDED' },
    {
      case: 'a cancelled appointment of a later revision',
      stored: { status: 'cancelled' as const, revision: 1 },
      token: { revision: 0 },
      code: 'LINK_SUPERSEDED',
    },
    { case: 'a revision never reached', stored: { revision: 1 }, token: { revision: 2 }, code: 'TOKEN_INVALID' },
    { case: 'an appointment not confirmed', stored: { status: 'pending' as const }, token: {}, code: 'TOKEN_INVALID' },
    { case: 'an appointment that does not exist', stored: { id: 8 }, token: {}, code: 'TOKEN_INVALID' },
  ])('refuses $case with $code, changing nothing', async ({ stored: now, token, code }) => {
    appointments.appointment = stored(now);
    await expect(sut.open(tokenFor(token))).rejects.toMatchObject({ code });
    await expect(sut.cancel(tokenFor(token), undefined)).rejects.toMatchObject({ code });
    expect(appointments.calls).toEqual([]);
  });

  it('refuses a link once its appointment has started (401), not a moment before', async () => {
    clock.at = START - 1;
    await expect(sut.open(tokenFor())).resolves.toBeDefined();
    clock.at = START;
    await expect(sut.open(tokenFor())).rejects.toMatchObject({ code: 'TOKEN_INVALID', detail: expect.stringContaining('expired') });
  });

  it('moves as the appointment’s client, keeping its duration, only from the revision the link was signed for', async () => {
    appointments.appointment = stored({ revision: 2 });
    await sut.reschedule(tokenFor({ revision: 2 }), { date: '2030-03-07', requested_slot: 40 });
    expect(appointments.calls).toEqual([
      { action: 'reschedule', id: 7, caller: { role: 'client', clientId: 3 }, args: [{ date: '2030-03-07', requested_slot: 40 }, 2] },
    ]);
  });

  it('refuses a move through a superseded link, moving nothing', async () => {
    appointments.appointment = stored({ revision: 1 });
    await expect(sut.reschedule(tokenFor({ revision: 0 }), { date: '2030-03-07', requested_slot: 40 })).rejects.toMatchObject({
      code: 'LINK_SUPERSEDED',
    });
    expect(appointments.calls).toEqual([]);
  });
});
