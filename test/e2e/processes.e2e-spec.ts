import { backendKind, createBackend, servicesConfigured, TestBackend } from '../support/backend';
import { ApiClient } from '../support/api-client';
import { AppProcess, startAppProcess } from '../support/app-process';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { SseReader } from '../support/sse-reader';

const describeServices = backendKind() === 'services' && servicesConfigured() ? describe : describe.skip;

/**
 * Two real server processes, as behind a load balancer, sharing one PostgreSQL and one Redis: nothing
 * that must be shared may live in one process's memory.
 */
describeServices('two server processes sharing PostgreSQL and Redis', () => {
  let backend: TestBackend;
  let processes: AppProcess[];
  let admin: [ApiClient, ApiClient];

  beforeAll(async () => {
    backend = await createBackend();
    const env: Record<string, string | undefined> = { ...backend.env, NODE_ENV: 'test', RATE_LIMIT_PER_MINUTE: '40' };
    processes = await Promise.all([startAppProcess(env), startAppProcess(env)]);
    admin = [new ApiClient(processes[0].url, env.ADMIN_API_KEY), new ApiClient(processes[1].url, env.ADMIN_API_KEY)];
  }, 120_000);

  afterAll(async () => {
    await Promise.all((processes ?? []).map((process) => process.stop()));
    await backend?.dispose();
  });

  it('holds a slot claimed on one process against the other', async () => {
    const provider = await createProvider(admin[0]);
    const [first, second] = [await createClient(admin[0]), await createClient(admin[0])];
    const date = futureDate(100);
    await publish(admin[0], provider.id, date, '09:00', '10:00');
    const held = await admin[0]
      .as(first.api_key)
      .post('/api/client_schedule', { date, provider_id: provider.id, client_id: first.id, requested_slot: 37 });
    expect(held.status).toBe(202);
    const listing = await admin[1].as(undefined).get(`/api/schedule?provider_id=${provider.id}&date=${date}`);
    expect(listing.body.slots.map((slot: { index: number }) => slot.index)).toEqual([36, 38, 39]);
    await expect(
      admin[1]
        .as(second.api_key)
        .post('/api/client_schedule', { date, provider_id: provider.id, client_id: second.id, requested_slot: 37 }),
    ).resolves.toMatchObject({ status: 409, body: { code: 'SLOT_UNAVAILABLE' } });
  });

  it('carries a queue change made through one process to an event stream on the other', async () => {
    const provider = await createProvider(admin[0]);
    const walker = await createClient(admin[0]);
    const stream = await SseReader.open(`${processes[1].url}/api/queue/events?provider_id=${provider.id}&access_token=${provider.api_key}`);
    try {
      await expect(stream.next()).resolves.toMatchObject({ event: 'queue', data: { entries: [] } });
      await expect(admin[0].post('/api/queue/check_in', { provider_id: provider.id, client_id: walker.id })).resolves.toMatchObject({
        status: 201,
      });
      await expect(stream.next()).resolves.toMatchObject({ event: 'queue', data: { entries: [{ client_id: walker.id, position: 1 }] } });
    } finally {
      stream.close();
    }
  });

  it('shares one rate limit between the processes', async () => {
    const provider = await createProvider(admin[0]);
    const statuses: number[] = [];
    for (let i = 0; i < 44; i++) {
      statuses.push((await admin[i % 2].as(provider.api_key).get(`/api/providers/${provider.id}`)).status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(40);
    expect(statuses.slice(40)).toEqual([429, 429, 429, 429]);
  });

  it('never admits more than the limit in a window to both processes hit at once', async () => {
    const provider = await createProvider(admin[0]);
    const burst = (perProcess: number) =>
      Promise.all(Array.from({ length: 2 * perProcess }, (_, i) => admin[i % 2].as(provider.api_key).get(`/api/providers/${provider.id}`)));

    const first = await burst(60);
    const second = await burst(10);

    const admitted = [...first, ...second].filter((response) => response.status === 200).length;
    // Each process is asked for more than the whole limit, so neither ends the burst holding hits it took.
    expect(admitted).toBe(40);
    const refused = [...first, ...second].filter((response) => response.status !== 200);
    expect(new Set(refused.map((response) => response.status))).toEqual(new Set([429]));
    expect(refused.every((response) => Number(response.headers.get('retry-after')) > 0)).toBe(true);
  });

  /** Polls `path` with `key` until it answers 401 (for at most `maxMs`): when each request was sent, and its status. */
  async function answersUntilRefused(api: ApiClient, key: string, path: string, maxMs = 10_000) {
    const giveUpAt = Date.now() + maxMs;
    const answers: { sentAt: number; status: number }[] = [];
    for (;;) {
      const sentAt = Date.now();
      const { status } = await api.as(key).get(path);
      answers.push({ sentAt, status });
      if (status === 401 || sentAt > giveUpAt) return answers;
      // Not faster: the key's budget is RATE_LIMIT_PER_MINUTE=40, and a 429 would read as still let in.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * The key stopped working within a second of the rotation's answer: every request sent from then on was
   * refused. Judged by when a request was sent, not answered: on a loaded machine one sent in time may be
   * answered late.
   */
  function expectRefusedWithinASecond(answers: { sentAt: number; status: number }[], rotatedAt: number): void {
    expect(answers[answers.length - 1].status).toBe(401);
    expect(answers.filter(({ sentAt, status }) => sentAt >= rotatedAt + 1000 && status !== 401)).toEqual([]);
  }

  it("stops a rotated provider's key on the other process within a second, though it was just used there", async () => {
    const provider = await createProvider(admin[0]);
    const path = `/api/providers/${provider.id}`;
    await expect(admin[1].as(provider.api_key).get(path)).resolves.toMatchObject({ status: 200 });
    await expect(admin[1].as(provider.api_key).get(path)).resolves.toMatchObject({ status: 200 });

    const rotated = await admin[0].as(provider.api_key).post(`/api/providers/${provider.id}/api_key`);
    const rotatedAt = Date.now();
    expect(rotated.status).toBe(200);
    const answers = await answersUntilRefused(admin[1], provider.api_key, path);

    expectRefusedWithinASecond(answers, rotatedAt);
    await expect(admin[1].as(rotated.body.api_key).get(path)).resolves.toMatchObject({ status: 200 });
  });

  it("stops a rotated client's key on the other process within a second, though it was just used there", async () => {
    const client = await createClient(admin[0]);
    const path = `/api/clients/${client.id}`;
    await expect(admin[1].as(client.api_key).get(path)).resolves.toMatchObject({ status: 200 });
    await expect(admin[1].as(client.api_key).get(path)).resolves.toMatchObject({ status: 200 });

    const rotated = await admin[0].post(`/api/clients/${client.id}/api_key`);
    const rotatedAt = Date.now();
    expect(rotated.status).toBe(200);
    const answers = await answersUntilRefused(admin[1], client.api_key, path);

    expectRefusedWithinASecond(answers, rotatedAt);
    await expect(admin[1].as(rotated.body.api_key).get(path)).resolves.toMatchObject({ status: 200 });
  });
});
