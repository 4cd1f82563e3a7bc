import { INestApplication } from '@nestjs/common';
import { sql } from 'kysely';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { DatabaseService } from '../../src/database/database.service';
import { maskEmail } from '../../src/delivery/recipient-mask';
import { backendKind, createBackend, describeBackend, TestBackend } from '../support/backend';
import { CapturingLogger } from '../support/capturing-logger';
import { createProvider, futureDate, publish } from '../support/factories';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

const ZONE = 'Europe/Paris';
const JOIN_LINK = /(https?:\/\/\S+\/api\/queue\/join\/entry\?token=[A-Za-z0-9._%-]+)/;
/** The races below hold a row lock from the spec's own transaction: PostgreSQL only (SQLite has one writer). */
const itOnPostgres = backendKind() === 'services' ? it : it.skip;

/**
 * Resolves once no outbox message is due and unsent: none in a worker's hand, none waiting for its try.
 * What was to go has gone (or been dropped); what is left waits for a later time (reminders). Checks that
 * nothing more was sent, or that nothing of a person is left, wait for this rather than for a fixed time,
 * which a loaded machine may outlast with a message still in hand.
 */
async function outboxSettled(app: INestApplication, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = Date.now();
    const unsettled = await app
      .get(DatabaseService)
      .tables<'outbox_messages'>()
      .selectFrom('outbox_messages')
      .select(['id', 'kind', 'next_attempt_at', 'lease_until'])
      .where('status', '=', 'queued')
      .where((where) => where.or([where('next_attempt_at', '<=', now), where('lease_until', 'is not', null)]))
      .execute();
    if (unsettled.length === 0) return;
    if (Date.now() > deadline) throw new Error(`Outbox messages still due or in hand after ${timeoutMs} ms: ${JSON.stringify(unsettled)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A client's export and erasure, end to end: what it holds, and what is left of the person after (nothing). */
describeBackend('privacy: export and erasure', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  const logs = new CapturingLogger(['error']);
  let sut: TestApp;
  let provider: { id: number; email: string; api_key: string };
  let date: string;
  let people = 0;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const smtpUrl = await smtp.start();
    sut = await startTestApp(backend.env, {
      // A hold reminder and appointment reminders stay queued (not due yet) until the erasure.
      env: { SMTP_URL: smtpUrl, HOLD_TTL_SECONDS: '3600', HOLD_REMINDER_SECONDS: '600', REMINDER_MINUTES: '1440,60' },
      logger: logs,
    });
    provider = await createProvider(sut.api, { name: 'Dr. Privacy', time_zone: ZONE, email: `dr-privacy-${Date.now()}@clinic.test` });
    date = futureDate(10, ZONE);
    await publish(sut.api, provider.id, date, '08:00', '18:00');
    await publish(sut.api, provider.id, DateTime.now().setZone(ZONE).toISODate()!, '00:00', '23:45').catch(() => undefined);
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  /** A person with details unlike anything else in the database, so finding any of them anywhere means a copy was left. */
  function newPerson() {
    const n = `${Date.now()}${++people}`;
    return { name: `Zelphine Quorrow${n}`, email: `zelphine.q${n}@privacy.test`, phone: `+3361${n.slice(-7)}` };
  }

  async function register(person: ReturnType<typeof newPerson>, idempotencyKey?: string) {
    const created = await sut.api.post('/api/clients', person, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
    expect(created.status).toBe(201);
    return { ...person, id: created.body.id as number, key: created.body.api_key as string };
  }

  async function request(client: { key: string; id: number }, slot: number) {
    const held = await sut.anonymous
      .as(client.key)
      .post('/api/client_schedule', { provider_id: provider.id, client_id: client.id, date, requested_slot: slot });
    expect(held.status).toBe(202);
    return held.body.appointment_id as number;
  }

  async function confirm(email: string, appointmentId: number) {
    const mail = await smtp.waitFor(email, (m) => linkAppointmentId(m) === appointmentId);
    const token = new URL(validationLink(mail)).searchParams.get('token')!;
    const confirmed = await sut.anonymous.post('/api/validate', { token });
    expect(confirmed.status).toBe(200);
  }

  /** Every row of every table, as text: where a detail of the person could still be. */
  async function everyRow(): Promise<string> {
    const db = sut.app.get(DatabaseService).tables<never>();
    const tables = await db.introspection.getTables();
    const dumps = await Promise.all(
      tables.map(async (table) => JSON.stringify(await (db as any).selectFrom(table.name).selectAll().execute())),
    );
    return dumps.join('\n').toLowerCase();
  }

  const mentionsOf = (text: string, person: ReturnType<typeof newPerson>) =>
    [person.name, person.email, person.phone].filter((detail) => text.toLowerCase().includes(detail.toLowerCase()));

  it('exports everything kept about the client, to the client and the administrator only', async () => {
    const person = await register(newPerson());
    const other = await register(newPerson());
    const confirmedId = await request(person, 40);
    await confirm(person.email, confirmedId);
    const pendingId = await request(person, 44);
    // A booking without an account, with the client's address: the name and phone typed are kept on that appointment.
    const guest = await sut.anonymous.post('/api/client_schedule', {
      provider_id: provider.id,
      date,
      requested_slot: 48,
      client: { name: 'Zelphine As Guest', email: person.email, phone: '+33612340000' },
    });
    expect(guest.status).toBe(202);
    await smtp.waitFor(person.email, (m) => linkAppointmentId(m) === pendingId);

    const waitlisted = await sut.api.post('/api/waitlist', { provider_id: provider.id, client_id: person.id, date: futureDate(12, ZONE) });
    expect(waitlisted.status).toBe(201);
    // Cancelled by the client: the provider is told, by a message that names the client.
    const cancelledId = await request(person, 52);
    await confirm(person.email, cancelledId);
    expect((await sut.anonymous.as(person.key).post(`/api/appointments/${cancelledId}/cancel`, {})).status).toBe(200);
    await smtp.waitFor(provider.email, (m) => (m.text ?? '').includes(String(cancelledId)) && /cancel/i.test(m.subject ?? ''));

    const asClient = await sut.anonymous.as(person.key).get(`/api/clients/${person.id}/export`);

    expect(asClient.status).toBe(200);
    expect(asClient.body.client).toMatchObject({ id: person.id, name: person.name, email: person.email, phone: person.phone });
    expect(asClient.body.appointments.map((a: { id: number }) => a.id).sort()).toEqual(
      [confirmedId, pendingId, guest.body.appointment_id, cancelledId].sort(),
    );
    expect(asClient.body.appointments).toContainEqual(
      expect.objectContaining({ id: guest.body.appointment_id, guest_name: 'Zelphine As Guest', guest_phone: '+33612340000' }),
    );
    expect(asClient.body.queue_entries).toEqual([]);
    expect(asClient.body.waitlist).toEqual([expect.objectContaining({ id: waitlisted.body.id, client_id: person.id, status: 'waiting' })]);
    expect(asClient.body.deliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'validation', recipient: person.email, appointment_id: confirmedId, subject: expect.any(String) }),
        expect.objectContaining({ kind: 'confirmation', recipient: person.email, appointment_id: confirmedId }),
        expect.objectContaining({ kind: 'validation', recipient: person.email, appointment_id: pendingId }),
      ]),
    );
    // The provider's notice of the cancellation names the client: it is in, its recipient masked.
    const toProvider = asClient.body.deliveries.filter(
      (d: { appointment_id: number; kind: string; recipient: string }) =>
        d.appointment_id === cancelledId && d.kind === 'cancellation' && d.recipient !== person.email,
    );
    expect(toProvider).toEqual([
      expect.objectContaining({ recipient: maskEmail(provider.email), text: expect.stringContaining(person.name) }),
    ]);
    // Whole addresses are the client's own only: its address, its phone (a confirmation's text).
    const recipients = new Set<string>(asClient.body.deliveries.map((d: { recipient: string }) => d.recipient));
    expect([...recipients].filter((recipient) => !recipient.includes('***')).sort()).toEqual([person.email, person.phone].sort());
    expect(JSON.stringify(asClient.body)).not.toContain(provider.email);
    expect(JSON.stringify(asClient.body)).not.toContain(other.email);
    await expect(sut.api.get(`/api/clients/${person.id}/export`)).resolves.toMatchObject({ status: 200 });

    // Anyone else: as if the client did not exist; without a key, 401.
    await expect(sut.anonymous.as(other.key).get(`/api/clients/${person.id}/export`)).resolves.toMatchObject({
      status: 404,
      body: { code: 'CLIENT_NOT_FOUND' },
    });
    await expect(sut.anonymous.as(provider.api_key).get(`/api/clients/${person.id}/export`)).resolves.toMatchObject({ status: 404 });
    await expect(sut.anonymous.get(`/api/clients/${person.id}/export`)).resolves.toMatchObject({ status: 401 });
    await expect(sut.anonymous.as(other.key).request('DELETE', `/api/clients/${person.id}`)).resolves.toMatchObject({ status: 404 });
  });

  it('erases the client everywhere: no name, email or phone left in the database, the outbox or the logs, and nothing sent to it after', async () => {
    const keyOfCreation = `create-${Date.now()}`;
    const person = await register(newPerson(), keyOfCreation);
    const bystander = await register(newPerson());
    const confirmedId = await request(person, 52);
    await confirm(person.email, confirmedId);
    const pendingId = await request(person, 56);
    await smtp.waitFor(person.email, (m) => linkAppointmentId(m) === pendingId);
    const bystanderAppointment = await request(bystander, 60);
    // On a waitlist: it leaves it with the erasure.
    const waitlisted = await sut.api.post('/api/waitlist', { provider_id: provider.id, client_id: person.id, date: futureDate(12, ZONE) });
    expect(waitlisted.status).toBe(201);
    // A walk-in today: it leaves the queue with the erasure.
    const walkIn = await sut.api.post('/api/queue/check_in', { provider_id: provider.id, client_id: person.id });
    expect(walkIn.status).toBe(201);
    // The same person joined another provider's queue remotely, with its address: that entry is the person's too.
    const elsewhere = await createProvider(sut.api, { name: 'Dr. Elsewhere', time_zone: ZONE });
    const asked = await sut.anonymous.post('/api/queue/join', { provider_id: elsewhere.id, name: person.name, email: person.email });
    expect(asked.status).toBe(202);
    const joinMail = await smtp.waitFor(person.email, (m) => JOIN_LINK.test(m.text ?? ''));
    const joinToken = decodeURIComponent(new URL(JOIN_LINK.exec(joinMail.text!)![1]).searchParams.get('token')!);
    const remote = await sut.anonymous.post('/api/queue/join/entry', { token: joinToken });
    expect(remote.status).toBe(200);
    const exported = await sut.api.get(`/api/clients/${person.id}/export`);
    expect(exported.body.queue_entries).toContainEqual(
      expect.objectContaining({ entry_id: remote.body.entry_id, remote_email: person.email, remote_name: person.name }),
    );
    // Every mail due has gone (the confirmation of the first appointment was not waited for): what reaches
    // the address from here on came after the erasure.
    await outboxSettled(sut.app);
    const before = await everyRow();
    expect(mentionsOf(before, person)).toEqual([person.name, person.email, person.phone]);
    const mailsBefore = smtp.to(person.email).length;

    const erased = await sut.anonymous.as(person.key).request('DELETE', `/api/clients/${person.id}`);

    expect(erased.status).toBe(204);
    // Its key stops working; to every route the client is gone.
    await expect(sut.anonymous.as(person.key).get(`/api/clients/${person.id}`)).resolves.toMatchObject({ status: 401 });
    await expect(sut.api.get(`/api/clients/${person.id}`)).resolves.toMatchObject({ status: 404 });
    await expect(sut.api.get(`/api/clients/${person.id}/export`)).resolves.toMatchObject({ status: 404 });
    // Its upcoming appointments are cancelled and stay, anonymous; the provider is told.
    for (const id of [confirmedId, pendingId]) {
      await expect(sut.api.get(`/api/appointments/${id}`)).resolves.toMatchObject({
        body: { status: 'cancelled', client_id: person.id, cancellation_reason: expect.stringContaining('erased') },
      });
    }
    const notice = await smtp.waitFor(
      provider.email,
      (m) => (m.text ?? '').includes(String(confirmedId)) && /cancel/i.test(m.subject ?? ''),
    );
    expect(mentionsOf(`${notice.subject} ${notice.text} ${notice.html}`, person)).toEqual([]);
    await expect(sut.api.get(`/api/queue/entries/${walkIn.body.entry_id}`)).resolves.toMatchObject({ body: { status: 'left' } });
    await expect(sut.api.get(`/api/waitlist/${waitlisted.body.id}`)).resolves.toMatchObject({ body: { status: 'left' } });
    // The bystander keeps everything.
    await expect(sut.api.get(`/api/appointments/${bystanderAppointment}`)).resolves.toMatchObject({ body: { status: 'pending' } });
    await expect(sut.api.get(`/api/clients/${bystander.id}`)).resolves.toMatchObject({ body: { email: bystander.email } });

    // Nothing of the person anywhere: every row of every table, and every line logged since the start.
    await outboxSettled(sut.app);
    expect(mentionsOf(await everyRow(), person)).toEqual([]);
    expect(mentionsOf(logs.lines.join('\n'), person)).toEqual([]);
    // Nothing more reached the address: its queued reminders were dropped, its cancellation copy never written.
    expect(smtp.to(person.email).length).toBe(mailsBefore);

    // The answer kept for the creating request is gone: the same key and body run again (the address is free).
    const again = await sut.api.post(
      '/api/clients',
      { name: person.name, email: person.email, phone: person.phone },
      { 'idempotency-key': keyOfCreation },
    );
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body.id).not.toBe(person.id);

    // Erasing again answers the same.
    await expect(sut.api.request('DELETE', `/api/clients/${person.id}`)).resolves.toMatchObject({ status: 204 });
  });

  it("clears what a mail server's refusal kept of the address: the failed message's error goes with the erasure", async () => {
    const person = await register(newPerson());
    smtp.refusedRecipients.add(person.email.toLowerCase());
    const appointmentId = await request(person, 64);
    const outbox = () =>
      sut.app
        .get(DatabaseService)
        .tables<'outbox_messages'>()
        .selectFrom('outbox_messages')
        .select(['recipient', 'status', 'last_error'])
        .where('appointment_id', '=', appointmentId)
        .where('kind', '=', 'validation')
        .executeTakeFirstOrThrow();
    for (const deadline = Date.now() + 20_000; (await outbox()).status !== 'failed';) {
      if (Date.now() > deadline) throw new Error('the refused validation email was not marked failed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Masked as the delivery log shows it, but its first letter and domain are the person's.
    const refused = await outbox();
    expect(refused.last_error).toContain('550');
    expect(refused.last_error).toContain(person.email.split('@')[1]);

    await expect(sut.anonymous.as(person.key).request('DELETE', `/api/clients/${person.id}`)).resolves.toMatchObject({ status: 204 });

    await expect(outbox()).resolves.toEqual({ recipient: '[erased]', status: 'failed', last_error: '[erased]' });
  });

  it('refuses a request of a client written after its erasure, even one that read the client before', async () => {
    const person = await register(newPerson());
    await expect(sut.api.request('DELETE', `/api/clients/${person.id}`)).resolves.toMatchObject({ status: 204 });

    const asAdmin = await sut.api.post('/api/client_schedule', {
      provider_id: provider.id,
      client_id: person.id,
      date,
      requested_slot: 64,
    });

    expect(asAdmin).toMatchObject({ status: 404, body: { code: 'CLIENT_NOT_FOUND' } });
  });
  /**
   * Holds a row lock on an appointment in a transaction of the spec's own, until `release` is called,
   * so that a change of that appointment (a confirmation, a cancellation) waits in the middle of its
   * transaction: after it read the client, before it commits.
   */
  async function lockAppointment(appointmentId: number): Promise<{ release: () => Promise<void> }> {
    const database = sut.app.get(DatabaseService);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const done = database.transaction(async (tx) => {
      await sql`SELECT id FROM appointments WHERE id = ${appointmentId} FOR UPDATE`.execute(tx.tables<'appointments'>());
      locked();
      await released;
    });
    await isLocked;
    return {
      release: async () => {
        release();
        await done;
      },
    };
  }

  /** Waits until `count` statements of the app wait for a lock (a request may take seconds to get there on a loaded machine). */
  async function waitersReach(count: number, timeoutMs = 20_000): Promise<void> {
    const db = sut.app.get(DatabaseService).tables<never>();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
      if (rows[0].n >= count) return;
      if (Date.now() > deadline) throw new Error(`never ${count} waiting for a lock within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  itOnPostgres('leaves no copy from a confirmation that read the client before its erasure and commits after it', async () => {
    const person = await register(newPerson());
    const pendingId = await request(person, 68);
    const mail = await smtp.waitFor(person.email, (m) => linkAppointmentId(m) === pendingId);
    const token = new URL(validationLink(mail)).searchParams.get('token')!;
    const lock = await lockAppointment(pendingId);

    // The link is pressed: the confirmation reads the client, then waits on the appointment's row.
    const confirming = sut.anonymous.post('/api/validate', { token });
    await waitersReach(1);
    // The erasure starts meanwhile, and waits there too (or, committed, its cancellation of the appointment does).
    const erasing = sut.anonymous.as(person.key).request('DELETE', `/api/clients/${person.id}`);
    await waitersReach(2);
    await lock.release();
    await confirming;
    await expect(erasing).resolves.toMatchObject({ status: 204 });

    // Committed before the erasure read the messages, its mail may have gone; what is kept of it holds nothing of the person.
    await outboxSettled(sut.app);
    expect(mentionsOf(await everyRow(), person)).toEqual([]);
    await expect(sut.api.get(`/api/appointments/${pendingId}`)).resolves.toMatchObject({ body: { status: 'cancelled' } });
  });

  itOnPostgres("leaves no copy from a provider's cancellation that read the client before its erasure and commits after it", async () => {
    const person = await register(newPerson());
    const confirmedId = await request(person, 62);
    await confirm(person.email, confirmedId);
    await smtp.waitFor(person.email, (m) => /confirmed/i.test(m.subject ?? ''));
    const lock = await lockAppointment(confirmedId);

    // The provider cancels: the cancellation reads the client (whom it tells), then waits on the row.
    const cancelling = sut.anonymous.as(provider.api_key).post(`/api/appointments/${confirmedId}/cancel`, { reason: 'Closed that day' });
    await waitersReach(1);
    const erasing = sut.anonymous.as(person.key).request('DELETE', `/api/clients/${person.id}`);
    await waitersReach(2);
    await lock.release();
    await expect(cancelling).resolves.toMatchObject({ status: 200 });
    await expect(erasing).resolves.toMatchObject({ status: 204 });

    await outboxSettled(sut.app);
    expect(mentionsOf(await everyRow(), person)).toEqual([]);
  });

  itOnPostgres('tells nothing to a walk-in called by a call that read it before its erasure and commits after it', async () => {
    const person = await register(newPerson());
    const desk = await createProvider(sut.api, { name: 'Dr. Walk-in', time_zone: ZONE });
    const today = DateTime.now().setZone(ZONE).toISODate()!;
    const walkIn = await sut.api.post('/api/queue/check_in', { provider_id: desk.id, client_id: person.id });
    expect(walkIn.status).toBe(201);
    const mailsBefore = smtp.to(person.email).length;
    // The queue's day locked: a call reads who it will tell, then waits for the day.
    const database = sut.app.get(DatabaseService);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const dayLock = database.transaction(async (tx) => {
      await sql`SELECT revision FROM queue_days WHERE provider_id = ${desk.id} AND date = ${today} FOR UPDATE`.execute(
        tx.tables<'queue_days'>(),
      );
      locked();
      await released;
    });
    await isLocked;
    const calling = sut.api.post('/api/queue/next', { provider_id: desk.id });
    await waitersReach(1);
    // The erasure commits meanwhile (its queue step, ending the client's place, then waits for the day too).
    const erasing = sut.anonymous.as(person.key).request('DELETE', `/api/clients/${person.id}`);
    await waitersReach(2);
    release();
    await dayLock;
    await expect(calling).resolves.toMatchObject({ status: 200 });
    await expect(erasing).resolves.toMatchObject({ status: 204 });

    await outboxSettled(sut.app);
    expect(smtp.to(person.email).length).toBe(mailsBefore);
    expect(mentionsOf(await everyRow(), person)).toEqual([]);
  });

  itOnPostgres('refuses a confirmation that waited behind the erasure of its client', async () => {
    const person = await register(newPerson());
    const pendingId = await request(person, 66);
    const mail = await smtp.waitFor(person.email, (m) => linkAppointmentId(m) === pendingId);
    const token = new URL(validationLink(mail)).searchParams.get('token')!;
    const mailsBefore = smtp.to(person.email).length;
    // The client's row locked: the erasure takes what it locks before it, then waits there.
    const database = sut.app.get(DatabaseService);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const clientLock = database.transaction(async (tx) => {
      await sql`SELECT id FROM clients WHERE id = ${person.id} FOR UPDATE`.execute(tx.tables<'clients'>());
      locked();
      await released;
    });
    await isLocked;
    const erasing = sut.anonymous.as(person.key).request('DELETE', `/api/clients/${person.id}`);
    await waitersReach(1);
    // The link is pressed meanwhile: the confirmation reads the client, then waits behind the erasure.
    const confirming = sut.anonymous.post('/api/validate', { token });
    await waitersReach(2);
    release();
    await clientLock;
    await expect(erasing).resolves.toMatchObject({ status: 204 });
    await expect(confirming).resolves.toMatchObject({ status: 409, body: { code: 'HOLD_CANCELLED' } });

    await outboxSettled(sut.app);
    expect(mentionsOf(await everyRow(), person)).toEqual([]);
    expect(smtp.to(person.email).length).toBe(mailsBefore);
    await expect(sut.api.get(`/api/appointments/${pendingId}`)).resolves.toMatchObject({ body: { status: 'cancelled' } });
  });
});

/** Without SMTP_URL and SMS_URL every message is written to {DATA_DIR}/outbox, a copy the service keeps like any other. */
describeBackend('privacy: erasure reaches the outbox folder', () => {
  let backend: TestBackend;
  let sut: TestApp;

  beforeAll(async () => {
    backend = await createBackend();
    sut = await startTestApp(backend.env, { logger: new CapturingLogger(['error']) });
  });

  afterAll(async () => {
    await sut?.close();
    await backend?.dispose();
  });

  async function outboxFolderText(): Promise<string> {
    const folder = join(backend.env.DATA_DIR!, 'outbox');
    const names = await readdir(folder).catch(() => [] as string[]);
    const texts = await Promise.all(names.map((name) => readFile(join(folder, name), 'utf8')));
    return texts.join('\n').toLowerCase();
  }

  it('leaves no file there that holds the name, email or phone of the erased client', async () => {
    const n = `${Date.now()}`;
    const person = { name: `Orlaith Vennimore${n}`, email: `orlaith.v${n}@privacy.test`, phone: `+3362${n.slice(-7)}` };
    const provider = await createProvider(sut.api, { name: 'Dr. Folder', time_zone: ZONE });
    const created = await sut.api.post('/api/clients', person);
    expect(created.status).toBe(201);
    const date = futureDate(10, ZONE);
    await publish(sut.api, provider.id, date, '08:00', '18:00');
    await publish(sut.api, provider.id, DateTime.now().setZone(ZONE).toISODate()!, '00:00', '23:45').catch(() => undefined);
    // A validation mail (name and address), then a walk-in called in: the text to the phone.
    const held = await sut.api.post('/api/client_schedule', {
      provider_id: provider.id,
      client_id: created.body.id,
      date,
      requested_slot: 40,
    });
    expect(held.status).toBe(202);
    await expect(sut.api.post('/api/queue/check_in', { provider_id: provider.id, client_id: created.body.id })).resolves.toMatchObject({
      status: 201,
    });
    await expect(sut.api.post('/api/queue/next', { provider_id: provider.id })).resolves.toMatchObject({ status: 200 });
    // Both written, and nothing else of the person still in a worker's hand when the erasure comes.
    await outboxSettled(sut.app);
    expect(await outboxFolderText()).toContain(person.email);
    expect(await outboxFolderText()).toContain(person.phone);

    await expect(sut.api.request('DELETE', `/api/clients/${created.body.id}`)).resolves.toMatchObject({ status: 204 });

    await outboxSettled(sut.app);
    const after = await outboxFolderText();
    expect([person.name, person.email, person.phone].filter((detail) => after.includes(detail.toLowerCase()))).toEqual([]);
  });
});
