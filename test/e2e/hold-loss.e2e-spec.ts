import { createClient as createRedisClient } from 'redis';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, openIndexes, publish } from '../support/factories';
import { linkAppointmentId, SmtpSink, validationLink } from '../support/smtp-sink';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The hold store may lose its holds: an in-process store with its process, a Redis without
 * persistence with its restart. A link pressed in time then claims its slots again if they are still
 * free, and otherwise says they were taken; booked slots never depend on the hold store.
 */
describeBackend('a hold store that lost its holds', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let smtpUrl: string;
  let sut: TestApp;
  const start = () => startTestApp(backend.env, { env: { SMTP_URL: smtpUrl } });

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    smtpUrl = await smtp.start();
    sut = await start();
  });

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  /** Restarts the app (the embedded store forgets), or empties this run's keys in Redis. */
  async function loseHolds(): Promise<void> {
    if (backend.kind === 'embedded') {
      await sut.close();
      sut = await start();
      return;
    }
    const redis = createRedisClient({ url: backend.env.REDIS_URL });
    await redis.connect();
    for await (const key of redis.scanIterator({ MATCH: `${backend.env.REDIS_PREFIX}*{p*` })) await redis.del(key);
    await redis.quit();
  }

  async function request(clientId: number, email: string, providerId: number, date: string, slot: number, minutes = 15) {
    const response = await sut.api.post('/api/client_schedule', {
      date,
      provider_id: providerId,
      client_id: clientId,
      requested_slot: slot,
      duration_minutes: minutes,
    });
    expect(response.status).toBe(202);
    const mail = await smtp.waitFor(email, (m) => linkAppointmentId(m) === response.body.appointment_id);
    return { id: response.body.appointment_id as number, token: new URL(validationLink(mail)).searchParams.get('token')! };
  }

  it('books a link pressed in time when its slots are still free, and refuses it when they were taken', async () => {
    const provider = await createProvider(sut.api);
    const [first, second, third] = [await createClient(sut.api), await createClient(sut.api), await createClient(sut.api)];
    const date = futureDate(46);
    await publish(sut.api, provider.id, date, '11:00', '11:30');
    const kept = await request(first.id, first.email, provider.id, date, 44);
    const lost = await request(second.id, second.email, provider.id, date, 45);

    await loseHolds();
    expect((await sut.anonymous.get(`/api/schedule?provider_id=${provider.id}&date=${date}`)).body.slots).toHaveLength(2);

    await expect(sut.anonymous.post('/api/validate', { token: kept.token })).resolves.toMatchObject({
      status: 200,
      body: { status: 'confirmed' },
    });
    await request(third.id, third.email, provider.id, date, 45);
    await expect(sut.anonymous.post('/api/validate', { token: lost.token })).resolves.toMatchObject({
      status: 409,
      body: { code: 'SLOT_UNAVAILABLE' },
    });
    await expect(sut.api.get(`/api/appointments/${lost.id}`)).resolves.toMatchObject({ body: { status: 'pending' } });
    expect((await sut.anonymous.get(`/api/schedule?provider_id=${provider.id}&date=${date}`)).body.slots).toEqual([]);
  });

  it('keeps every slot of a confirmed booking taken once no hold is left: not listed, not requestable, not bookable by another link', async () => {
    const provider = await createProvider(sut.api);
    const [booker, rival, latecomer] = [await createClient(sut.api), await createClient(sut.api), await createClient(sut.api)];
    const date = futureDate(47);
    await publish(sut.api, provider.id, date, '10:00', '11:00');
    // The rival's hold on 10:15–10:45 is lost, so the booker can hold 10:00–10:45 over it: two pending
    // appointments overlap, and only the database can keep the second from booking.
    const rivalHold = await request(rival.id, rival.email, provider.id, date, 41, 30);
    await loseHolds();
    const booked = await request(booker.id, booker.email, provider.id, date, 40, 45);
    await expect(sut.anonymous.post('/api/validate', { token: booked.token })).resolves.toMatchObject({
      status: 200,
      body: { status: 'confirmed' },
    });

    // Confirming pinned the booked slots in the hold store; losing the holds drops that pin too.
    await loseHolds();
    expect(await openIndexes(sut.api, provider.id, date)).toEqual([43]);
    for (const slot of [40, 41, 42]) {
      await expect(
        sut.api.post('/api/client_schedule', { date, provider_id: provider.id, client_id: latecomer.id, requested_slot: slot }),
      ).resolves.toMatchObject({ status: 409, body: { code: 'SLOT_UNAVAILABLE' } });
    }
    await expect(sut.anonymous.post('/api/validate', { token: rivalHold.token })).resolves.toMatchObject({
      status: 409,
      body: { code: 'SLOT_UNAVAILABLE' },
    });
    const listed = await sut.api.get(`/api/appointments?provider_id=${provider.id}&date=${date}`);
    expect(listed.body.items.map((item: { id: number; status: string }) => [item.id, item.status])).toEqual([
      [booked.id, 'confirmed'],
      [rivalHold.id, 'pending'],
    ]);
  });
});
