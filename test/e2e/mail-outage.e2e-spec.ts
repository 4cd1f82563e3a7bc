import { ApiClient } from '../support/api-client';
import { AppProcess, startAppProcess } from '../support/app-process';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { within } from '../support/expectations';
import { FaultySmtp } from '../support/faulty-smtp';
import { eventually, keyOf, outboxRows, SlotRequest, slotRequests, tokenIn, ONLY_REQUESTED_MAIL } from '../support/outbox-load';

/**
 * The issue asks for a 30 s outage. The first try of a message written at its start is followed by retries
 * 1–2, 2–4, 4–8, 8–16, 16–32 and 32–64 s apart: a sixth try can fail 31 s in, just before a late-running
 * test brings the server back, so an email may arrive up to 64 s (and a poll) after that.
 */
const REFUSING_MS = 15_000;
const NOT_LISTENING_MS = 15_000;
const BACK_WITHIN_MS = 75_000;
/** Any answer, outage or not: a request never waits on the mail server (a loaded machine's answers take a while). */
const ANSWER_WITHIN_MS = 10_000;
/** Clients who got their link before the outage and confirm during it; as many ask for a slot during it. */
const CLIENTS = 6;

/**
 * The mail server refuses every message (451) for 15 s, then is not there at all for 15 s, while clients
 * ask for slots and confirm them through a real server process: every request answers as usual and every
 * email arrives exactly once when the server is back.
 */
describeBackend('a mail server down for 30 s', () => {
  let backend: TestBackend;
  let smtp: FaultySmtp;
  let env: Record<string, string | undefined>;
  let sut: AppProcess;
  let api: ApiClient;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new FaultySmtp();
    await smtp.start();
    env = { ...backend.env, ...ONLY_REQUESTED_MAIL, SMTP_URL: smtp.url(), OUTBOUND_TIMEOUT_SECONDS: '2' };
    sut = await startAppProcess(env);
    api = new ApiClient(sut.url, env.ADMIN_API_KEY);
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
    await smtp?.stop();
    await backend?.dispose();
  });

  it('answers 202 and 200 as usual throughout, and every email arrives once when the server is back', async () => {
    const requests = await slotRequests(api, 2 * CLIENTS, { firstDay: 30, clients: 2 * CLIENTS });
    const [early, late] = [requests.slice(0, CLIENTS), requests.slice(CLIENTS)];
    const emailOf = new Map<number, string>();
    for (const { client_id } of requests) emailOf.set(client_id, (await api.get(`/api/clients/${client_id}`)).body.email);
    const ask = async (request: SlotRequest) => {
      const answer = await within(ANSWER_WITHIN_MS, api.post('/api/client_schedule', request));
      expect(answer).toMatchObject({ status: 202, body: { status: 'pending' } });
    };

    for (const request of early) await ask(request);
    await smtp.until(() => smtp.received.length === CLIENTS, 30_000, 'the links sent before the outage');
    const tokens = await Promise.all(early.map(async ({ client_id }) => tokenIn(await smtp.textOf(smtp.to(emailOf.get(client_id)!)[0]))));

    // During the outage, one client confirms and another asks for a slot every 30 s / 6 = 5 s.
    const outageStart = Date.now();
    smtp.mode = 'refuse';
    for (let i = 0; i < CLIENTS; i++) {
      if (i === CLIENTS / 2) {
        await eventually(() => Date.now() - outageStart >= REFUSING_MS, REFUSING_MS, 'half the outage', 100);
        expect(smtp.refused).toBeGreaterThan(0);
        await smtp.down();
      }
      await expect(within(ANSWER_WITHIN_MS, api.post('/api/validate', { token: tokens[i] }))).resolves.toMatchObject({
        status: 200,
        body: { status: 'confirmed' },
      });
      await ask(late[i]);
      const due = outageStart + ((i + 1) * (REFUSING_MS + NOT_LISTENING_MS)) / CLIENTS;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    }
    expect(smtp.received).toHaveLength(CLIENTS);

    smtp.mode = 'accept';
    await smtp.up();
    await smtp.until(() => smtp.received.length >= 3 * CLIENTS, BACK_WITHIN_MS, 'every email after the outage');
    await eventually(async () => (await outboxRows(env)).every((row) => row.status === 'sent'), 15_000, 'every row marked sent');
    // A duplicate would come within the next poll.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const rows = await outboxRows(env);
    expect(rows).toHaveLength(3 * CLIENTS);
    const keys = smtp.received.map((mail) => keyOf(mail.messageId)).sort();
    expect(keys).toEqual(rows.map((row) => row.message_key).sort());
    expect(new Set(keys).size).toBe(keys.length);
    for (const { client_id } of early) {
      expect(smtp.to(emailOf.get(client_id)!).map((mail) => mail.subject)).toEqual([
        expect.stringMatching(/^Confirm your appointment/),
        expect.stringMatching(/^Appointment confirmed/),
      ]);
    }
    for (const { client_id } of late) expect(smtp.to(emailOf.get(client_id)!)).toHaveLength(1);
  }, 180_000);
});
