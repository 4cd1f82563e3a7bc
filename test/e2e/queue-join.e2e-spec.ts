import { ParsedMail } from 'mailparser';
import { QueueJoinLinks } from '../../src/queue/queue-join-links';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider } from '../support/factories';
import { FakeTwilio } from '../support/fake-twilio';
import { outboxRowsOf } from '../support/outbox-rows';
import { SmtpSink } from '../support/smtp-sink';
import { SseReader } from '../support/sse-reader';
import { startTestApp, TestApp } from '../support/test-app';

const MAX_REMOTE = 3;
const LINK = /(https?:\/\/\S+\/api\/queue\/join\/entry\?token=[A-Za-z0-9._%-]+)/;
const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function joinLinkIn(text: string | undefined): string {
  const match = LINK.exec(text ?? '');
  if (!match) throw new Error(`No join link in ${JSON.stringify(text)}`);
  return match[1];
}
const tokenOf = (link: string) => decodeURIComponent(new URL(link).searchParams.get('token')!);
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/**
 * Remote join, end to end: a person asks for the link with only a name and a phone or address, follows it
 * as they would from their mail or texts, presses its button, and follows their place live; the provider
 * calls them and they are told. Nothing shows in the queue until the button is pressed; the per-provider
 * cap holds at both steps.
 */
describeBackend('remote join of the live queue', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let twilio: FakeTwilio;
  let sut: TestApp;
  let people = 0;
  const newEmail = () => `remote-${Date.now()}-${++people}@join.test`;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    twilio = new FakeTwilio();
    const [smtpUrl, twilioUrl] = [await smtp.start(), await twilio.start()];
    sut = await startTestApp(backend.env, {
      env: { SMTP_URL: smtpUrl, SMS_URL: twilio.smsUrl('+15005550006'), SMS_API_URL: twilioUrl, QUEUE_MAX_REMOTE: String(MAX_REMOTE) },
    });
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await twilio?.stop();
    await backend?.dispose();
  });

  const queueOf = async (providerId: number) => (await sut.api.get(`/api/queue?provider_id=${providerId}`)).body;
  const next = (providerId: number) => sut.api.post('/api/queue/next', { provider_id: providerId });
  const join = (body: Record<string, unknown>) => sut.anonymous.post('/api/queue/join', body);

  /** Asks to join by email and answers the link from the mail. */
  async function linkByEmail(providerId: number, email = newEmail(), name = 'Remote Person'): Promise<string> {
    await expect(join({ provider_id: providerId, name, email })).resolves.toMatchObject({ status: 202 });
    return joinLinkIn((await smtp.waitFor(email, (mail: ParsedMail) => LINK.test(mail.text ?? ''))).text);
  }
  const press = (link: string) => sut.anonymous.post('/api/queue/join/entry', { token: tokenOf(link) });

  it('joins by email through the emailed link: nothing until the button, pressed twice one entry, followed live, and told when called', async () => {
    const provider = await createProvider(sut.api, { name: 'Dr. Remote', time_zone: 'UTC' });
    const walkIn = await createClient(sut.api);
    await expect(sut.api.post('/api/queue/check_in', { provider_id: provider.id, client_id: walkIn.id })).resolves.toMatchObject({
      status: 201,
    });
    const email = newEmail();

    const asked = await join({ provider_id: provider.id, name: 'Grace Remote', email });
    expect(asked).toMatchObject({
      status: 202,
      body: { status: 'link_sent', provider_id: provider.id, sent_by: 'email', date: (await queueOf(provider.id)).date },
    });
    expect(asked.text).not.toMatch(/eyJ/);
    const mail = await smtp.waitFor(email);
    expect(mail.subject).toBe('Join the queue of Dr. Remote');
    const link = joinLinkIn(mail.text);
    expect(link.startsWith(`${sut.url}/api/queue/join/entry?token=`)).toBe(true);

    // Opening the link (a person, or a mail scanner) joins nothing.
    const opened = await fetch(link);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await opened.text();
    expect(page).toContain('Join the queue now');
    expect(page).toContain('Grace Remote');
    expect((await queueOf(provider.id)).entries).toHaveLength(1);
    const early = await SseReader.open(`${sut.url}/api/queue/join/events?token=${encodeURIComponent(tokenOf(link))}`);
    expect(early).toMatchObject({ status: 404, problem: { code: 'NOT_FOUND' } });

    // The button, from the page (a form post): the live page of the entry.
    const pressed = await sut.anonymous.raw('POST', '/api/queue/join/entry', form({ token: tokenOf(link) }), FORM);
    expect(pressed.status).toBe(200);
    expect(pressed.text).toContain('Your place in the queue');
    expect(pressed.text).toContain('#2 in line: 1 ahead of you');
    // Pressed again (another tab): the same entry.
    const again = await press(link);
    expect(again).toMatchObject({ status: 200, body: { status: 'waiting', position: 2, client_id: null, remote: true } });
    const queue = await queueOf(provider.id);
    expect(queue.entries).toEqual([
      expect.objectContaining({ client_id: walkIn.id, remote: false, position: 1 }),
      expect.objectContaining({ entry_id: again.body.entry_id, client_id: null, remote: true, remote_name: 'Grace Remote', position: 2 }),
    ]);
    await expect(sut.api.get(`/api/queue/entries/${again.body.entry_id}`)).resolves.toMatchObject({
      status: 200,
      body: { entry_id: again.body.entry_id },
    });

    // The same link now shows the entry, and its stream follows it.
    const live = await (await fetch(link)).text();
    expect(live).toContain('#2 in line');
    expect(live).not.toContain('Join the queue now');
    const events = await SseReader.open(`${sut.url}/api/queue/join/events?token=${encodeURIComponent(tokenOf(link))}`);
    expect(events.status).toBe(200);
    await expect(events.next()).resolves.toMatchObject({ event: 'entry', data: { entry_id: again.body.entry_id, position: 2 } });
    try {
      await expect(next(provider.id)).resolves.toMatchObject({ status: 200, body: { now_serving: { client_id: walkIn.id } } });
      await expect(events.next()).resolves.toMatchObject({ data: { position: 1, status: 'waiting' } });
      const nextMail = await smtp.waitFor(email, (m) => /next/i.test(m.subject ?? ''));
      expect(nextMail.subject).toBe("You're next in line for Dr. Remote");
      expect(nextMail.text).toContain('Hello Grace Remote');

      await expect(next(provider.id)).resolves.toMatchObject({
        status: 200,
        body: { now_serving: { entry_id: again.body.entry_id, remote: true } },
      });
      await expect(events.next()).resolves.toMatchObject({ data: { position: 0, status: 'called' } });
      await expect(smtp.waitFor(email, (m) => /your turn/i.test(m.subject ?? ''))).resolves.toMatchObject({
        subject: "It's your turn: Dr. Remote is ready for you",
      });
    } finally {
      events.close();
    }
    expect(await (await fetch(link)).text()).toContain("It's your turn!");
    // To this person: the link, then the two notices (the walk-in got its own "your turn").
    const rows = (await outboxRowsOf(sut.app, provider.id)).filter((row) => row.recipient === email);
    expect(rows.map((row) => [row.kind, row.channel, row.recipient])).toEqual([
      ['validation', 'email', email],
      ['queue_next', 'email', email],
      ['queue_called', 'email', email],
    ]);
  });

  it('joins by phone from the page: the link and the "your turn" text go to that phone', async () => {
    const provider = await createProvider(sut.api, { name: 'Dr. Text', time_zone: 'UTC' });
    const phone = '+14155550761';

    const asked = await sut.anonymous.raw(
      'POST',
      '/api/queue/join',
      form({ provider_id: String(provider.id), name: 'Alan Phone', phone, email: '' }),
      FORM,
    );
    expect(asked.status).toBe(202);
    expect(asked.headers.get('content-type')).toMatch(/^text\/html/);
    expect(asked.text).toContain('Check your messages');
    const text = await twilio.waitFor(phone);
    expect(text.body).toMatch(/^Join the queue of Dr\. Text: open http/);
    const link = joinLinkIn(text.body);
    expect((await queueOf(provider.id)).entries).toEqual([]);

    await expect(press(link)).resolves.toMatchObject({ status: 200, body: { position: 1, remote: true } });
    await expect(next(provider.id)).resolves.toMatchObject({
      status: 200,
      body: { now_serving: { remote: true, remote_name: 'Alan Phone' } },
    });
    await expect(twilio.waitFor(phone, (message) => /your turn/.test(message.body))).resolves.toMatchObject({
      body: "It's your turn: Dr. Text is ready for you now.",
    });
  });

  it(`holds at most QUEUE_MAX_REMOTE (${MAX_REMOTE}) remote entries waiting: 409 QUEUE_FULL when asking and when pressing, nothing written`, async () => {
    const provider = await createProvider(sut.api, { name: 'Dr. Full', time_zone: 'UTC' });
    const [first, second] = [await linkByEmail(provider.id), await linkByEmail(provider.id)];
    await expect(press(first)).resolves.toMatchObject({ status: 200 });
    await expect(press(second)).resolves.toMatchObject({ status: 200 });
    // Two wait: two more links may still be asked for, but only one of them can join.
    const [third, fourth] = [await linkByEmail(provider.id), await linkByEmail(provider.id)];
    await expect(press(third)).resolves.toMatchObject({ status: 200 });
    const refused = await press(fourth);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'QUEUE_FULL' });
    expect((await queueOf(provider.id)).entries).toHaveLength(MAX_REMOTE);

    const rowsBefore = await outboxRowsOf(sut.app, provider.id);
    const email = newEmail();
    const full = await join({ provider_id: provider.id, name: 'One Too Many', email });
    expect(full).toMatchObject({ status: 409, body: { code: 'QUEUE_FULL', status: 409 } });
    const fullPage = await sut.anonymous.raw(
      'POST',
      '/api/queue/join',
      form({ provider_id: String(provider.id), name: 'Page', email }),
      FORM,
    );
    expect(fullPage.status).toBe(409);
    expect(fullPage.text).toContain('already wait in this queue');
    await sleep(300);
    await expect(outboxRowsOf(sut.app, provider.id)).resolves.toHaveLength(rowsBefore.length);
    expect(smtp.to(email)).toEqual([]);

    // A remote entry called is no longer waiting: the refused link now joins.
    await expect(next(provider.id)).resolves.toMatchObject({ status: 200 });
    await expect(press(fourth)).resolves.toMatchObject({ status: 200, body: { position: MAX_REMOTE } });
    // Another provider's queue has room of its own.
    const other = await createProvider(sut.api, { time_zone: 'UTC' });
    await expect(press(await linkByEmail(other.id))).resolves.toMatchObject({ status: 200 });
  });

  it('refuses bad links: tampered or foreign 401, expired unused 410, each a page when followed', async () => {
    const provider = await createProvider(sut.api, { time_zone: 'UTC' });
    const link = await linkByEmail(provider.id);
    const token = tokenOf(link);
    const tampered = `${token.slice(0, -3)}${token.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
    await expect(sut.anonymous.post('/api/queue/join/entry', { token: tampered })).resolves.toMatchObject({
      status: 401,
      body: { code: 'TOKEN_INVALID' },
    });
    const page = await fetch(`${sut.url}/api/queue/join/entry?token=${encodeURIComponent(tampered)}`);
    expect(page.status).toBe(401);
    await expect(page.text()).resolves.toContain('Invalid link');

    // A link the service sent earlier, whose 30 minutes are over.
    const links = sut.app.get(QueueJoinLinks);
    const stale = links.sign({
      providerId: provider.id,
      date: (await queueOf(provider.id)).date,
      name: 'Too Late',
      phone: null,
      email: newEmail(),
      expiresAtMs: Date.now() - 1000,
    });
    await expect(sut.anonymous.post('/api/queue/join/entry', { token: stale.token })).resolves.toMatchObject({
      status: 410,
      body: { code: 'HOLD_EXPIRED' },
    });
    const expiredPage = await fetch(stale.link);
    expect(expiredPage.status).toBe(410);
    await expect(expiredPage.text()).resolves.toContain('Link expired');
    expect((await queueOf(provider.id)).entries).toEqual([]);
  });

  it('refuses bad requests with problem+json naming the field, and writes nothing', async () => {
    const provider = await createProvider(sut.api, { time_zone: 'UTC' });
    const cases: [Record<string, unknown>, number, string, string[]][] = [
      [{ provider_id: provider.id, name: 'No Contact' }, 400, 'VALIDATION_FAILED', ['phone', 'email']],
      [{ provider_id: provider.id, name: 'Blank Contact', phone: '', email: '' }, 400, 'VALIDATION_FAILED', ['phone', 'email']],
      [{ provider_id: provider.id, name: 'x'.repeat(201), email: newEmail() }, 400, 'VALIDATION_FAILED', ['name']],
      [{ provider_id: provider.id, name: '   ', email: newEmail() }, 400, 'VALIDATION_FAILED', ['name']],
      [{ provider_id: provider.id, name: 'Bad Phone', phone: '4155550100' }, 400, 'VALIDATION_FAILED', ['phone']],
      [{ provider_id: provider.id, name: 'Bad Mail', email: '"a b"@x.test' }, 400, 'VALIDATION_FAILED', ['email']],
      [{ provider_id: String(provider.id), name: 'Text Id', email: newEmail() }, 400, 'VALIDATION_FAILED', ['provider_id']],
      [{ name: 'No Provider', email: newEmail() }, 400, 'VALIDATION_FAILED', ['provider_id']],
      [{ provider_id: provider.id, name: 'Extra', email: newEmail(), client_id: 1 }, 400, 'VALIDATION_FAILED', ['client_id']],
      [{ provider_id: 999_999, name: 'Nobody', email: newEmail() }, 404, 'PROVIDER_NOT_FOUND', []],
    ];
    for (const [body, status, code, fields] of cases) {
      const answer = await join(body);
      expect({ body, status: answer.status, code: answer.body.code }).toEqual({ body, status, code });
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const named = new Set<string>((answer.body.errors ?? []).map((error: { field: string }) => error.field));
      expect([...named].sort()).toEqual([...fields].sort());
    }
    // The page's form, refused: the form again, filled as sent, naming what to fix.
    const refused = await sut.anonymous.raw('POST', '/api/queue/join', form({ provider_id: String(provider.id), name: 'Kept Name' }), FORM);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('value="Kept Name"');
    expect(refused.text).toContain('give a phone');
    await sleep(300);
    await expect(outboxRowsOf(sut.app, provider.id)).resolves.toEqual([]);
    expect((await queueOf(provider.id)).entries).toEqual([]);

    await expect(fetch(`${sut.url}/api/queue/join?provider_id=${provider.id}`)).resolves.toMatchObject({ status: 200 });
    await expect(fetch(`${sut.url}/api/queue/join?provider_id=01`)).resolves.toMatchObject({ status: 400 });
    await expect(fetch(`${sut.url}/api/queue/join?provider_id=999999`)).resolves.toMatchObject({ status: 404 });
    await expect(sut.anonymous.get('/api/queue/join/events')).resolves.toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });
});
