import { EventEmitter2 } from '@nestjs/event-emitter';
import { ParsedMail } from 'mailparser';
import { DomainEventMap } from '../../src/common/domain-events';
import { DatabaseService } from '../../src/database/database.service';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, openIndexes, publish } from '../support/factories';
import { SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isHoldReminder = (mail: ParsedMail) => (mail.subject ?? '').startsWith('Still to confirm');

/**
 * A pending hold on real time: the reminder that goes out before it lapses, with the link of the
 * first mail; and the sweeper, which marks a lapsed hold expired and tells it once, across processes,
 * with nobody reading the appointment or listing the day.
 */
describeBackend('a hold left pending', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let smtpUrl: string;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    smtpUrl = await smtp.start();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  async function start(env: Record<string, string>): Promise<TestApp> {
    const app = await startTestApp(backend.env, { env: { SMTP_URL: smtpUrl, ...env } });
    apps.push(app);
    return app;
  }

  /** Stops an instance: every instance on the backend sweeps it, and a spec hears only those it listens to. */
  async function stop(app: TestApp): Promise<void> {
    apps.splice(apps.indexOf(app), 1);
    await app.close();
  }

  /** A new client's request for `slot`; its expiry as the answer gives it. */
  async function hold(sut: TestApp, providerId: number, date: string, slot: number) {
    const client = await createClient(sut.api);
    const requested = await sut.api.post('/api/client_schedule', {
      date,
      provider_id: providerId,
      client_id: client.id,
      requested_slot: slot,
    });
    expect(requested.status).toBe(202);
    return { client, appointmentId: requested.body.appointment_id as number, expiresAt: Date.parse(requested.body.expires_at) };
  }

  async function ask(sut: TestApp, providerId: number, date: string, slot: number) {
    const held = await hold(sut, providerId, date, slot);
    return { ...held, link: validationLink(await smtp.waitFor(held.client.email)) };
  }

  /** The hold reminders the outbox has (or had) for an appointment. */
  async function holdRemindersOf(sut: TestApp, appointmentId: number) {
    const listed = await sut.api.get(`/api/deliveries?appointment_id=${appointmentId}`);
    expect(listed.status).toBe(200);
    return (listed.body.items as { kind: string }[]).filter((delivery) => delivery.kind === 'hold_reminder');
  }

  it('gets one reminder with the same link before it lapses, and none once confirmed', async () => {
    // Held 13 s, reminded 6 s before the end: the reminder is due 7 s in. Both holds are asked for at
    // once, so a loaded machine has those 7 s to mail and confirm one, and 6 s to send the other's
    // reminder and press its link.
    const reminderMs = 6000;
    const sut = await start({ HOLD_TTL_SECONDS: '13', HOLD_REMINDER_SECONDS: String(reminderMs / 1000) });
    const provider = await createProvider(sut.api);
    const date = futureDate(70);
    await publish(sut.api, provider.id, date, '09:00', '10:00');
    const confirmed = await hold(sut, provider.id, date, 37);
    const waiting = await hold(sut, provider.id, date, 36);
    const link = validationLink(await smtp.waitFor(confirmed.client.email));
    await expect(sut.anonymous.post('/api/validate', { token: new URL(link).searchParams.get('token') })).resolves.toMatchObject({
      status: 200,
    });
    // Confirmed before its reminder was due: the booking dropped it.
    await expect(holdRemindersOf(sut, confirmed.appointmentId)).resolves.toEqual([]);
    const waitingLink = validationLink(await smtp.waitFor(waiting.client.email, (mail) => !isHoldReminder(mail)));

    // Past its expiry it is never sent: waiting longer would not help.
    const reminder = await smtp.waitFor(waiting.client.email, isHoldReminder, waiting.expiresAt - Date.now() + 2000);
    const arrivedAt = Date.now();
    expect(arrivedAt).toBeLessThan(waiting.expiresAt);
    expect(arrivedAt).toBeGreaterThanOrEqual(waiting.expiresAt - reminderMs - 50);
    expect(validationLink(reminder)).toBe(waitingLink);
    // The other hold's reminder was due a moment earlier: past that, and past the worker's next look
    // (it polls every second), none came.
    await sleep(Math.max(0, confirmed.expiresAt - reminderMs + 1500 - Date.now()));
    expect(smtp.to(confirmed.client.email).filter(isHoldReminder)).toEqual([]);
    expect(smtp.to(waiting.client.email).filter(isHoldReminder)).toHaveLength(1);
    // The reminded link books, while the hold lasts.
    const waitingToken = new URL(reminder.text!.match(/https?:\/\/\S+/)![0]).searchParams.get('token')!;
    await expect(sut.anonymous.post('/api/validate', { token: waitingToken })).resolves.toMatchObject({
      status: 200,
      body: { status: 'confirmed' },
    });
    await stop(sut);
  }, 60_000);

  it('is marked expired by the sweeper with nobody looking, told once across the processes, and its slot is open', async () => {
    // Two processes' worth of instances on PostgreSQL and Redis, each sweeping; one on the embedded defaults.
    const count = backend.kind === 'services' ? 2 : 1;
    const instances: TestApp[] = [];
    for (let i = 0; i < count; i++) instances.push(await start({ HOLD_TTL_SECONDS: '1' }));
    const told: Array<DomainEventMap['appointment.expired']> = [];
    for (const instance of instances) {
      instance.app.get(EventEmitter2, { strict: false }).on('appointment.expired', (payload: DomainEventMap['appointment.expired']) => {
        told.push(payload);
      });
    }
    const sut = instances[0];
    const provider = await createProvider(sut.api);
    const date = futureDate(71);
    await publish(sut.api, provider.id, date, '09:00', '09:30');
    const lapsing = await ask(sut, provider.id, date, 36);

    // A sweep runs every 5 s in each instance: within one interval after the expiry, it is marked
    // (a loaded machine's timers run late: it is given 15 s more).
    while (told.length === 0 && Date.now() < lapsing.expiresAt + 20_000) await sleep(100);
    expect(told).toEqual([expect.objectContaining({ appointmentId: lapsing.appointmentId, providerId: provider.id })]);
    const database = sut.app.get(DatabaseService);
    const stored = await database
      .tables<'appointments'>()
      .selectFrom('appointments')
      .select('status')
      .where('id', '=', lapsing.appointmentId)
      .executeTakeFirstOrThrow();
    expect(stored.status).toBe('expired');
    // Every instance sweeps again meanwhile; none tells it a second time.
    await sleep(5500);
    expect(told).toHaveLength(1);

    await expect(sut.api.get(`/api/appointments/${lapsing.appointmentId}`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'expired', expires_at: new Date(lapsing.expiresAt).toISOString() },
    });
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([36, 37]);
    await expect(sut.anonymous.post('/api/validate', { token: new URL(lapsing.link).searchParams.get('token') })).resolves.toMatchObject({
      status: 410,
      body: { code: 'HOLD_EXPIRED' },
    });
    expect(told).toHaveLength(1);
  }, 60_000);
});
