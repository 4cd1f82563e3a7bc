import { DateTime } from 'luxon';
import { execFileSync } from 'node:child_process';
import { Browser, chromium } from 'playwright-core';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { askedAgainWhileUnavailable } from '../support/expectations';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { FakeTwilio } from '../support/fake-twilio';
import { outboxRowsOf, outboxRowsWhen } from '../support/outbox-rows';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { SseReader } from '../support/sse-reader';
import { TestClock } from '../support/test-clock';
import { startTestApp, TestApp } from '../support/test-app';

const ZONE = 'America/New_York';
const DAY = futureDate(25, ZONE);
/** An instant given as wall-clock time on DAY in New York. */
const at = (time: string) => DateTime.fromISO(`${DAY}T${time}`, { zone: ZONE }).toMillis();

/** Debian's Chromium (.ci/run installs it); without it the browser test cannot run and says so. */
function chromiumPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const CHROMIUM = chromiumPath();
const itWithBrowser = CHROMIUM ? it : it.skip;

type Client = { id: number; email: string; name: string; api_key: string; phone?: string };
type Entry = { entry_id: number; client_id: number; ticket: string; status: string; position: number | null; priority: boolean };

/**
 * Tickets, "N ahead" notices, priority and the display board, on the real app with QUEUE_NOTIFY_AHEAD=3,1
 * and QUEUE_PRIORITY_STREAK=2: texts are counted at a fake Twilio server, the board is read as a
 * screen's browser reads it.
 */
describeBackend('queue tickets, notices, priority and board', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let twilio: FakeTwilio;
  let clock: TestClock;
  let sut: TestApp;
  let phones = 0;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    twilio = new FakeTwilio();
    const [smtpUrl, twilioUrl] = [await smtp.start(), await twilio.start()];
    clock = new TestClock(at('07:00'));
    sut = await startTestApp(backend.env, {
      clock,
      env: {
        SMTP_URL: smtpUrl,
        SMS_URL: twilio.smsUrl('+15005550006'),
        SMS_API_URL: twilioUrl,
        REMINDER_MINUTES: 'none',
        HOLD_REMINDER_SECONDS: '0',
        QUEUE_NOTIFY_AHEAD: '3,1',
        QUEUE_PRIORITY_STREAK: '2',
        // An hour: a revoked link's stream that ends here ended at a change, not at a check of its key.
        QUEUE_BOARD_RECHECK_SECONDS: '3600',
        // Fifty check-ins at once on the administrator's key: the mail routes' tenth must hold them.
        RATE_LIMIT_PER_MINUTE: '100000',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await twilio?.stop();
    await backend?.dispose();
  });

  const newPhone = () => `+1415555${String(1000 + ++phones).padStart(4, '0')}`;
  const checkIn = (body: Record<string, unknown>) => sut.api.post('/api/queue/check_in', body);
  const next = (providerId: number) => sut.api.post('/api/queue/next', { provider_id: providerId });
  const queueOf = async (providerId: number) => (await sut.api.get(`/api/queue?provider_id=${providerId}&date=${DAY}`)).body;

  /** These clients walk in, in this order, a minute apart. */
  async function walkIns(providerId: number, clients: Client[]): Promise<Entry[]> {
    const entries: Entry[] = [];
    for (const client of clients) {
      const response = await checkIn({ provider_id: providerId, client_id: client.id });
      expect(response.status).toBe(201);
      entries.push(response.body);
      clock.advance(1);
    }
    return entries;
  }

  /** Books through the real flow: request, the emailed link, the button. */
  async function book(providerId: number, client: Client, slot: number): Promise<number> {
    const requested = await sut.api.post('/api/client_schedule', {
      date: DAY,
      provider_id: providerId,
      client_id: client.id,
      requested_slot: slot,
    });
    expect(requested.status).toBe(202);
    const id = requested.body.appointment_id as number;
    const mail = await smtp.waitFor(client.email, (m) => linkAppointmentId(m) === id);
    const token = new URL(validationLink(mail)).searchParams.get('token')!;
    await expect(sut.api.post('/api/validate', { token })).resolves.toMatchObject({ status: 200 });
    return id;
  }

  describe('tickets', () => {
    it('hands 50 concurrent check-ins 50 different tickets, A-001 to A-050', async () => {
      clock.set(at('08:00'));
      const provider = await createProvider(sut.api, { time_zone: ZONE });
      const clients = await Promise.all(Array.from({ length: 50 }, () => createClient(sut.api)));

      const checkInOf = (i: number) => checkIn({ provider_id: provider.id, client_id: clients[i].id });
      const burst = await Promise.all(clients.map((_client, i) => checkInOf(i)));
      // They queue on the day's lock: on a starved machine a few may pass a database deadline (a clean 503) and are asked again after.
      const answers = await askedAgainWhileUnavailable(burst, checkInOf);

      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
      const tickets = answers.map((answer) => answer.body.ticket as string).sort();
      expect(tickets).toEqual(Array.from({ length: 50 }, (_, i) => `A-${String(i + 1).padStart(3, '0')}`));
      const queue = await queueOf(provider.id);
      expect(new Set(queue.entries.map((entry: Entry) => entry.ticket)).size).toBe(50);
      // A second check-in of the same client answers its entry, ticket and all.
      await expect(checkIn({ provider_id: provider.id, client_id: clients[7].id })).resolves.toMatchObject({
        body: { ticket: answers[7].body.ticket },
      });
    });
  });

  describe('"N ahead" notices', () => {
    it('texts each client once at position 3 and once at position 1, as the queue reaches them, and counts them at Twilio', async () => {
      clock.set(at('08:00'));
      const provider = await createProvider(sut.api, { name: 'Dr. Ahead', time_zone: ZONE });
      const clients: Client[] = [];
      for (let i = 0; i < 5; i++) clients.push(await createClient(sut.api, { phone: newPhone() }));
      const [c0, c1, c2, c3, c4] = clients;
      await walkIns(provider.id, clients);

      for (let call = 0; call < 4; call++) await expect(next(provider.id)).resolves.toMatchObject({ status: 200 });

      const texts = async (client: Client, count: number) => {
        await twilio.waitFor(client.phone!, () => twilio.to(client.phone!).length >= count);
        // Messages of different changes go out in parallel: which arrives first is not fixed.
        return twilio
          .to(client.phone!)
          .map((message) => message.body.replace(/ \(about \d+ min\)/, ''))
          .sort();
      };
      await expect(texts(c0, 1)).resolves.toEqual(["It's your turn: Dr. Ahead is ready for you now."]);
      const next1 = "You're next for Dr. Ahead. Please stay close to the waiting room.";
      const turn = "It's your turn: Dr. Ahead is ready for you now.";
      const twoAhead = '2 people are ahead of you for Dr. Ahead.';
      await expect(texts(c1, 2)).resolves.toEqual([next1, turn].sort());
      await expect(texts(c2, 2)).resolves.toEqual([next1, turn].sort());
      await expect(texts(c3, 3)).resolves.toEqual([twoAhead, next1, turn].sort());
      await expect(texts(c4, 2)).resolves.toEqual([twoAhead, next1].sort());
      // Every notice was an outbox message: queue_called for a turn, queue_next for every position.
      const rows = await outboxRowsOf(sut.app, provider.id);
      expect(rows.filter((row) => row.kind === 'queue_called')).toHaveLength(4);
      expect(rows.filter((row) => row.kind === 'queue_next')).toHaveLength(6);

      // A no-show and a priority change move c4 away from position 1 and back: it is not told again.
      await sut.api.post(`/api/queue/entries/${(await queueOf(provider.id)).now_serving.entry_id}/no_show`);
      const late: Client = await createClient(sut.api, { phone: newPhone() });
      const [lateEntry] = await walkIns(provider.id, [late]);
      await sut.api.post(`/api/queue/entries/${lateEntry.entry_id}/priority`, { priority: true });
      await sut.api.post(`/api/queue/entries/${lateEntry.entry_id}/priority`, { priority: false });
      await twilio.waitFor(late.phone!);
      // Every notice is written with its change: once each has gone, anything more would be in Twilio's log.
      await outboxRowsWhen(sut.app, provider.id, (rows) => rows.every((row) => row.status !== 'queued'));
      expect(twilio.to(c4.phone!)).toHaveLength(2);
      expect(twilio.to(late.phone!).map((message) => message.body)).toEqual([expect.stringMatching(/^You're next/)]);
    });
  });

  describe('priority', () => {
    it('calls priority entries first over a mixed queue of appointments and walk-ins, never more than 2 in a row while another waits', async () => {
      clock.set(at('07:00'));
      const provider = await createProvider(sut.api, { time_zone: ZONE });
      await publish(sut.api, provider.id, DAY, '09:00', '12:00');
      const [a, b, w1, w2, w3] = await Promise.all(Array.from({ length: 5 }, () => createClient(sut.api)));
      const appointmentA = await book(provider.id, a, 38); // 09:30
      const appointmentB = await book(provider.id, b, 40); // 10:00
      clock.set(at('09:00'));
      const entryA = (await checkIn({ appointment_id: appointmentA })).body as Entry;
      const entryB = (await checkIn({ appointment_id: appointmentB })).body as Entry;
      clock.set(at('09:05'));
      const [entryW1, entryW2, entryW3] = await walkIns(provider.id, [w1, w2, w3]); // 09:05, 09:06, 09:07
      const order = async () => (await queueOf(provider.id)).entries.map((entry: Entry) => entry.ticket);
      // Walk-ins count from their check-in: all three before A's 09:30.
      await expect(order()).resolves.toEqual([entryW1, entryW2, entryW3, entryA, entryB].map((entry) => entry.ticket));

      for (const entry of [entryB, entryW3, entryW2]) {
        await expect(sut.api.post(`/api/queue/entries/${entry.entry_id}/priority`, { priority: true })).resolves.toMatchObject({
          status: 200,
          body: { entry_id: entry.entry_id, priority: true },
        });
      }

      // Priority W2, W3 (by check-in), then W1 waits no longer, then B (priority), then A.
      const expected = [entryW2, entryW3, entryW1, entryB, entryA].map((entry) => entry.ticket);
      await expect(order()).resolves.toEqual(expected);
      const positions = (await queueOf(provider.id)).entries.map((entry: Entry) => entry.position);
      expect(positions).toEqual([1, 2, 3, 4, 5]);
      const called: string[] = [];
      for (let i = 0; i < 5; i++) called.push((await next(provider.id)).body.now_serving.ticket);
      expect(called).toEqual(expected);

      // The last one is being served; once done it is closed: 409 ENTRY_CLOSED, and nothing is written.
      await next(provider.id);
      const revision = (await queueOf(provider.id)).revision;
      const closed = await sut.api.post(`/api/queue/entries/${entryA.entry_id}/priority`, { priority: true });
      expect(closed).toMatchObject({ status: 409, body: { code: 'ENTRY_CLOSED' } });
      expect(closed.headers.get('content-type')).toContain('application/problem+json');
      await expect(sut.api.get(`/api/queue/entries/${entryA.entry_id}`)).resolves.toMatchObject({
        body: { status: 'done', priority: false },
      });
      expect((await queueOf(provider.id)).revision).toBe(revision);
    });

    it('refuses the client (403), an unknown entry (404) and a priority that is not true or false (400), changing nothing', async () => {
      const provider = await createProvider(sut.api, { time_zone: ZONE });
      const client = await createClient(sut.api);
      const [entry] = await walkIns(provider.id, [client]);
      const revision = (await queueOf(provider.id)).revision;

      await expect(
        sut.api.as(client.api_key).post(`/api/queue/entries/${entry.entry_id}/priority`, { priority: true }),
      ).resolves.toMatchObject({
        status: 403,
        body: { code: 'FORBIDDEN' },
      });
      await expect(sut.api.post('/api/queue/entries/999999/priority', { priority: true })).resolves.toMatchObject({
        status: 404,
        body: { code: 'NOT_FOUND' },
      });
      for (const body of [{ priority: 'true' }, {}, { priority: true, reason: 'x' }]) {
        const refused = await sut.api.post(`/api/queue/entries/${entry.entry_id}/priority`, body);
        expect(refused).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      }
      expect((await queueOf(provider.id)).revision).toBe(revision);
      await expect(sut.api.get(`/api/queue/entries/${entry.entry_id}`)).resolves.toMatchObject({ body: { priority: false } });
    });
  });

  describe('display board', () => {
    let provider: Awaited<ReturnType<typeof createProvider>>;
    let people: Client[];

    beforeAll(async () => {
      provider = await createProvider(sut.api, { name: 'Dr. Board Secret', time_zone: ZONE });
      people = [];
      for (const name of ['Ada Visible', 'Bob Visible']) people.push(await createClient(sut.api, { name, phone: newPhone() }));
    });

    /** Nothing that names a person: no client's or provider's name, email or phone. */
    function expectNothingPersonal(text: string): void {
      for (const person of people) {
        for (const secret of [person.name, person.email, person.phone!]) expect(text).not.toContain(secret);
      }
      expect(text).not.toContain(provider.name);
      expect(text).not.toContain(provider.email);
    }

    const issue = async (key = provider.api_key) => {
      const issued = await sut.api.as(key).post(`/api/providers/${provider.id}/board`);
      expect(issued).toMatchObject({
        status: 201,
        body: { board_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/queue\/board\?/) },
      });
      return new URL(issued.body.board_url as string);
    };
    const eventsOf = (board: URL) => `${board.origin}/api/queue/board/events${board.search}`;

    it('shows tickets and waits live, on its page and its stream, and nothing personal', async () => {
      clock.set(at('08:00'));
      const board = await issue();
      const page = await fetch(board);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html).toContain('Now serving');
      expectNothingPersonal(html);

      const stream = await SseReader.open(eventsOf(board));
      try {
        await expect(stream.next()).resolves.toMatchObject({ event: 'board', data: { now_serving: null, next: [], waiting: 0 } });
        const [first, second] = await walkIns(provider.id, people);
        await next(provider.id);
        const served = await stream.until((event) => event.data.now_serving === first.ticket);
        expect(served.data).toEqual({
          provider_id: provider.id,
          date: DAY,
          now_serving: first.ticket,
          next: [
            {
              ticket: second.ticket,
              expected_wait_minutes: expect.any(Number),
              expected_wait_range_minutes: [expect.any(Number), expect.any(Number)],
            },
          ],
          waiting: 1,
          revision: expect.any(Number),
        });
        expectNothingPersonal(JSON.stringify(stream.received));
      } finally {
        stream.close();
      }
    });

    it('answers 401 to a wrong key and to a revoked one (problem+json, a notice page for a browser), and writes nothing', async () => {
      const old = await issue();
      const renewed = await issue(sut.api.key);
      const renewedStream = await SseReader.open(eventsOf(renewed));
      let quietStream: SseReader | undefined;
      let checking: TestApp | undefined;
      try {
        for (const url of [old, new URL(`${old.origin}/api/queue/board?provider_id=${provider.id}&key=brd_wrong`)]) {
          const asApi = await sut.anonymous.get(url.pathname + url.search);
          expect(asApi).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
          expect(asApi.headers.get('content-type')).toContain('application/problem+json');
          const asBrowser = await fetch(url, { headers: { accept: 'text/html,application/xhtml+xml' } });
          expect(asBrowser.status).toBe(401);
          await expect(asBrowser.text()).resolves.toContain('This board link does not work');
          const stream = await SseReader.open(eventsOf(url));
          expect(stream).toMatchObject({ status: 401, problem: { code: 'UNAUTHENTICATED' } });
        }
        // Another provider's board key does not open this provider's board.
        const other = await createProvider(sut.api);
        const otherBoard = new URL((await sut.api.post(`/api/providers/${other.id}/board`)).body.board_url);
        const foreign = await sut.anonymous.get(`/api/queue/board?provider_id=${provider.id}&key=${otherBoard.searchParams.get('key')}`);
        expect(foreign.status).toBe(401);
        await expect(sut.anonymous.get(`/api/queue/board?provider_id=${provider.id}`)).resolves.toMatchObject({
          status: 400,
          body: { code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'key' })] },
        });
        await expect(fetch(renewed)).resolves.toMatchObject({ status: 200 });

        // Revoking a link ends its open stream at the next change.
        await expect(renewedStream.next()).resolves.toMatchObject({ event: 'board' });
        await issue();
        await walkIns(provider.id, [await createClient(sut.api)]);
        // It ends rather than telling the change: the wait is long enough for a loaded machine to do either.
        await expect(renewedStream.next(15_000)).rejects.toThrow(/ended/);

        // With no change at all, it ends at its next check of the key: on a server that checks every second,
        // the link revoked through another one (the key is in the shared database).
        checking = await startTestApp(backend.env, { env: { QUEUE_BOARD_RECHECK_SECONDS: '1' } });
        const quiet = await issue();
        quietStream = await SseReader.open(`${checking.url}/api/queue/board/events${quiet.search}`);
        await expect(quietStream.next()).resolves.toMatchObject({ event: 'board' });
        const revokedAt = Date.now();
        await issue();
        await expect(quietStream.next(15_000)).rejects.toThrow(/ended/);
        // The check's second, and room for a loaded machine: far from an hour, or from the next change.
        expect(Date.now() - revokedAt).toBeLessThan(1000 + 5000);
      } finally {
        renewedStream.close();
        quietStream?.close();
        await checking?.close();
      }
    });

    it("is issued by the administrator or the provider alone (404 to others' keys)", async () => {
      const client = await createClient(sut.api);
      const stranger = await createProvider(sut.api);
      for (const key of [client.api_key, stranger.api_key]) {
        await expect(sut.api.as(key).post(`/api/providers/${provider.id}/board`)).resolves.toMatchObject({
          status: 404,
          body: { code: 'PROVIDER_NOT_FOUND' },
        });
      }
      await expect(sut.anonymous.post(`/api/providers/${provider.id}/board`)).resolves.toMatchObject({ status: 401 });
      await expect(sut.api.post('/api/providers/999999/board')).resolves.toMatchObject({
        status: 404,
        body: { code: 'PROVIDER_NOT_FOUND' },
      });
    });

    itWithBrowser(
      'updates in a browser without a reload, on a phone-sized screen, and shows no personal data',
      async () => {
        const screenProvider = await createProvider(sut.api, { name: 'Dr. Screen', time_zone: ZONE });
        const board = (await sut.api.post(`/api/providers/${screenProvider.id}/board`)).body.board_url as string;
        const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
        try {
          const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
          let navigations = 0;
          page.on('framenavigated', (frame) => {
            if (frame === page.mainFrame()) navigations++;
          });
          await page.goto(board);
          await expect(page.locator('#serving').textContent()).resolves.toBe('—');

          const [first, second] = await walkIns(screenProvider.id, people);
          // Locators wait from Playwright's own world, which the page's CSP (no 'unsafe-eval') leaves alone; string predicates it refuses.
          // Generous waits: the changes reach the page through the app's event stream, which a loaded machine may delay.
          await page.locator('#next li').nth(1).waitFor({ timeout: 20_000 });
          await next(screenProvider.id);
          await page
            .locator('#serving')
            .filter({ hasText: new RegExp(`^${first.ticket}$`) })
            .waitFor({ timeout: 20_000 });
          await expect(page.locator('#next .ticket').allTextContents()).resolves.toEqual([second.ticket]);
          expect(navigations).toBe(1);
          const width = await page.evaluate<number>('document.documentElement.scrollWidth');
          expect(width).toBeLessThanOrEqual(390);
          const shown = await page.content();
          expectNothingPersonal(shown);
          expect(shown).not.toContain('Dr. Screen');
        } finally {
          await browser.close();
        }
      },
      90_000,
    );
  });
});
