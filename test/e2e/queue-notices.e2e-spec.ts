import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { CapturingLogger } from '../support/capturing-logger';
import { createClient, createProvider } from '../support/factories';
import { FakeTwilio } from '../support/fake-twilio';
import { OutboxRow, outboxRowsOf, outboxRowsWhen } from '../support/outbox-rows';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Longer than the first retry's wait (at most 2 s) and a worker's poll (1 s) together. */
const RETRY_WOULD_HAVE_COME_MS = 3500;
const settled = (rows: OutboxRow[]) => rows.length > 0 && rows.every((row) => row.status !== 'queued');

/**
 * The queue's "your turn" and "you're next" notices are outbox messages: written with the call, sent by
 * the delivery workers through a real (fake) Twilio server and a real SMTP server, retried when Twilio
 * fails, given up at once when Twilio refuses the message, and not lost when the process stops. Walk-ins
 * on the real clock, so that retries fall due as they would in production.
 */
describeBackend('queue notices through the outbox', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let twilio: FakeTwilio;
  let sut: TestApp;
  let env: Record<string, string>;
  const logs = new CapturingLogger(['error']);

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    twilio = new FakeTwilio();
    const [smtpUrl, twilioUrl] = [await smtp.start(), await twilio.start()];
    env = { SMTP_URL: smtpUrl, SMS_URL: twilio.smsUrl('+15005550006'), SMS_API_URL: twilioUrl };
    sut = await startTestApp(backend.env, { env, logger: logs });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await twilio?.stop();
    await backend?.dispose();
  });

  /** A provider of its own, and these clients walked into its queue in this order. */
  async function queueOf(...phones: (string | null)[]) {
    const provider = await createProvider(sut.api, { name: 'Dr. Outbox', time_zone: 'UTC' });
    const clients = [];
    for (const phone of phones) {
      const client = await createClient(sut.api, phone ? { phone } : {});
      await expect(sut.api.post('/api/queue/check_in', { provider_id: provider.id, client_id: client.id })).resolves.toMatchObject({
        status: 201,
      });
      clients.push(client);
    }
    return { provider, clients };
  }
  const next = (providerId: number) => sut.api.post('/api/queue/next', { provider_id: providerId });
  const statusesTo = (phone: string) => twilio.requests.filter((request) => request.form.To === phone).map((request) => request.status);

  it('texts the called client once and emails the next one, each message written with the call and marked sent', async () => {
    const phone = '+14155550301';
    const { provider, clients } = await queueOf(phone, null);

    await expect(next(provider.id)).resolves.toMatchObject({ status: 200, body: { now_serving: { client_id: clients[0].id } } });

    await expect(twilio.waitFor(phone)).resolves.toMatchObject({
      from: '+15005550006',
      body: "It's your turn: Dr. Outbox is ready for you now.",
    });
    const mail = await smtp.waitFor(clients[1].email);
    expect(mail.subject).toBe("You're next in line for Dr. Outbox");
    const rows = await outboxRowsWhen(sut.app, provider.id, settled);
    expect(rows).toEqual([
      expect.objectContaining({
        channel: 'sms',
        kind: 'queue_called',
        recipient: phone,
        appointment_id: null,
        provider_id: provider.id,
        status: 'sent',
        attempts: 1,
        last_error: null,
      }),
      expect.objectContaining({ channel: 'email', kind: 'queue_next', recipient: clients[1].email, status: 'sent', attempts: 1 }),
    ]);
    await sleep(1200); // a worker's poll: nothing goes a second time
    expect(statusesTo(phone)).toEqual([201]);
    expect(smtp.messages.filter((m) => m.subject === mail.subject)).toHaveLength(1);
  });

  it('retries a text Twilio failed with a 500: it arrives exactly once, on the second try', async () => {
    const phone = '+14155550302';
    const { provider } = await queueOf(phone);
    twilio.failNext(500);

    await expect(next(provider.id)).resolves.toMatchObject({ status: 200 });

    await expect(twilio.waitFor(phone, undefined, 20_000)).resolves.toMatchObject({ body: expect.stringMatching(/your turn/) });
    const [row] = await outboxRowsWhen(sut.app, provider.id, settled);
    expect(row).toMatchObject({ kind: 'queue_called', status: 'sent', attempts: 2, last_error: null });
    await sleep(1200);
    expect(statusesTo(phone)).toEqual([500, 201]);
    expect(twilio.to(phone)).toHaveLength(1);
    expect(logs.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^Message ${row.id} \\(queue_called, sms\\) not sent \\(try 1\\), retrying at .*: Twilio answered 500`),
      ),
    );
  });

  it('gives up at once on a text Twilio refused with a 400: failed after one try, never retried, the number masked', async () => {
    const phone = '+14155550303';
    twilio.invalidNumbers.add(phone);
    const { provider } = await queueOf(phone);

    await expect(next(provider.id)).resolves.toMatchObject({ status: 200 });

    const [row] = await outboxRowsWhen(sut.app, provider.id, settled);
    expect(row).toMatchObject({ kind: 'queue_called', channel: 'sms', status: 'failed', attempts: 1 });
    expect(row.last_error).toMatch(/^Twilio answered 400: The 'To' number .* is not a valid phone number/);
    expect(row.last_error).not.toContain(phone);
    await sleep(RETRY_WOULD_HAVE_COME_MS);
    expect(statusesTo(phone)).toEqual([400]);
    await expect(outboxRowsOf(sut.app, provider.id)).resolves.toEqual([expect.objectContaining({ status: 'failed', attempts: 1 })]);
    expect(logs.lines).toContainEqual(
      expect.stringMatching(new RegExp(`^Message ${row.id} \\(queue_called, sms\\) failed for good after 1 tries`)),
    );
    expect(logs.lines.join('\n')).not.toContain(phone);
  });

  // Last: it replaces the app with a new process's worth of modules on the same database.
  it('loses no text when the process stops before Twilio took it: the next start sends it, once', async () => {
    const phone = '+14155550304';
    const { provider } = await queueOf(phone);
    // Twilio fails every try until the process has stopped, so the first process cannot have sent the
    // text however slowly the machine gets it to stop.
    twilio.failEvery = 500;

    await expect(next(provider.id)).resolves.toMatchObject({ status: 200 });
    await outboxRowsWhen(sut.app, provider.id, (rows) => rows[0]?.last_error !== null);
    await sut.close();
    twilio.failEvery = undefined;
    expect(twilio.to(phone)).toEqual([]);
    const failedTries = statusesTo(phone).length;
    expect(statusesTo(phone)).toEqual(Array(failedTries).fill(500));

    sut = await startTestApp(backend.env, { env, logger: logs });

    // Its next try, after the back-off of the last failure (1–2 s after the first, 2–4 s after the second…).
    await expect(twilio.waitFor(phone, undefined, 30_000)).resolves.toMatchObject({ body: expect.stringMatching(/your turn/) });
    await expect(outboxRowsWhen(sut.app, provider.id, settled)).resolves.toEqual([
      expect.objectContaining({ status: 'sent', attempts: failedTries + 1 }),
    ]);
    expect(statusesTo(phone)).toEqual([...Array(failedTries).fill(500), 201]);
  }, 60_000);
});
