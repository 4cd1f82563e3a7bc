import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParsedMail } from 'mailparser';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { SmtpSink, validationLink } from '../support/smtp-sink';
import { TestClock } from '../support/test-clock';
import { startTestApp, TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The contract's bound on how late a due reminder may go out, while a server runs or after one starts. */
const REMINDER_LATENESS_MS = 30_000;
const isReminder = (mail: ParsedMail) => (mail.subject ?? '').startsWith('Reminder:');

/**
 * Reminders of confirmed appointments, on a clock the spec moves (the lead times are minutes; the
 * spec does not wait for them): one that fell due while no server ran goes out once a server starts,
 * once only whatever restarts follow; a cancelled appointment's never goes.
 */
describeBackend('reminders', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let smtpUrl: string;
  const clock = new TestClock(Date.now());
  const running: TestApp[] = [];

  // Room for the 30 s bound and the restarts and bookings around it, so that the bound is what can fail, not Jest's 30 s.
  jest.setTimeout(REMINDER_LATENESS_MS + 60_000);

  /** An app on the shared clock; REMINDER_MINUTES=1440,2, so a day-ahead lead is past and a 2-minute one ahead. */
  async function start(): Promise<TestApp> {
    const app = await startTestApp(backend.env, { clock, env: { SMTP_URL: smtpUrl, REMINDER_MINUTES: '1440,2' } });
    running.push(app);
    return app;
  }

  async function stop(app: TestApp): Promise<void> {
    running.splice(running.indexOf(app), 1);
    await app.close();
  }

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    smtpUrl = await smtp.start();
  });

  afterAll(async () => {
    for (const app of running) await app.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  /** Asks for 09:00 UTC on `date` and presses the emailed link: a confirmed appointment. */
  async function book(sut: TestApp, date: string, phone?: string) {
    const provider = await createProvider(sut.api);
    const client = await createClient(sut.api, phone ? { phone } : {});
    await publish(sut.api, provider.id, date, '09:00', '10:00');
    const requested = await sut.api.post('/api/client_schedule', {
      date,
      provider_id: provider.id,
      client_id: client.id,
      requested_slot: 36,
    });
    expect(requested.status).toBe(202);
    const token = new URL(validationLink(await smtp.waitFor(client.email))).searchParams.get('token')!;
    await expect(sut.anonymous.post('/api/validate', { token })).resolves.toMatchObject({ status: 200, body: { status: 'confirmed' } });
    await smtp.waitFor(client.email, (mail) => (mail.subject ?? '').startsWith('Appointment confirmed'));
    return { client, appointmentId: requested.body.appointment_id as number };
  }

  /** The reminder texts written to the outbox folder (no SMS_URL) for this number. */
  function reminderTexts(phone: string): string[] {
    const dir = join(backend.env.DATA_DIR!, 'outbox');
    let files: string[];
    try {
      files = readdirSync(dir).filter((file) => file.endsWith('.sms.json'));
    } catch {
      return [];
    }
    return files
      .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as { to: string; body: string })
      .filter((text) => text.to === phone && text.body.startsWith('Reminder:'))
      .map((text) => text.body);
  }

  it('sends a reminder that fell due while no server ran within 30 s of start-up, and only once across two restarts', async () => {
    const date = futureDate(60);
    const phone = '+14155550123';
    clock.set(Date.parse(`${date}T08:57:00Z`));
    const first = await start();
    const { client } = await book(first, date, phone);
    await sleep(1500);
    expect(smtp.to(client.email).filter(isReminder)).toEqual([]);
    await stop(first);

    // 08:59: the 2-minute reminder fell due at 08:58, while no server ran; the appointment is at 09:00.
    clock.set(Date.parse(`${date}T08:59:00Z`));
    const second = await start();
    const startedAt = Date.now();
    const reminder = await smtp.waitFor(client.email, isReminder, REMINDER_LATENESS_MS);
    expect(Date.now() - startedAt).toBeLessThan(REMINDER_LATENESS_MS);
    expect(reminder.subject).toBe(`Reminder: your appointment on ${date} at 09:00`);
    expect(reminder.text).toContain(`is in 2 minutes, on ${date} from 09:00 to 09:15 (UTC)`);
    for (let waited = 0; reminderTexts(phone).length === 0 && waited < REMINDER_LATENESS_MS; waited += 100) await sleep(100);
    expect(reminderTexts(phone)).toEqual([`Reminder: your appointment with Dr. Test is in 2 minutes, ${date} at 09:00 (UTC).`]);
    await stop(second);

    const third = await start();
    // The worker looks at start-up and every second after: this is several looks.
    await sleep(2500);
    await stop(third);
    expect(smtp.to(client.email).filter(isReminder)).toHaveLength(1);
    expect(reminderTexts(phone)).toHaveLength(1);
  });

  it("sends a reminder within 30 s of its due time while a server runs, and never a cancelled appointment's", async () => {
    const date = futureDate(61);
    clock.set(Date.parse(`${date}T08:57:00Z`));
    const sut = await start();
    const kept = await book(sut, date);
    const cancelled = await book(sut, date);
    await expect(sut.api.post(`/api/appointments/${cancelled.appointmentId}/cancel`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'cancelled' },
    });

    clock.set(Date.parse(`${date}T08:58:00Z`));
    const dueAt = Date.now();
    await smtp.waitFor(kept.client.email, isReminder, REMINDER_LATENESS_MS);
    expect(Date.now() - dueAt).toBeLessThan(REMINDER_LATENESS_MS);
    // Both fell due together; the workers have looked again since.
    await sleep(2000);
    expect(smtp.to(cancelled.client.email).filter(isReminder)).toEqual([]);
    expect(smtp.to(kept.client.email).filter(isReminder)).toHaveLength(1);
  });
});
