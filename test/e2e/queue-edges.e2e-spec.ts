import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider } from '../support/factories';
import { outboxRowsWhen } from '../support/outbox-rows';
import { SmtpSink } from '../support/smtp-sink';
import { SseReader } from '../support/sse-reader';
import { startTestApp, TestApp } from '../support/test-app';

type Entry = { entry_id: number; client_id: number; ticket: string; position: number | null; status: string; email: string };

/**
 * The live queue's edges, on the defaults QUEUE_NOTIFY_AHEAD=1 and QUEUE_PRIORITY_STREAK=2: a change
 * that moves an entry further than one place, and a board link issued while a revoked one's streams
 * are still open.
 */
describeBackend('live queue edges', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let sut: TestApp;

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    sut = await startTestApp(backend.env, { env: { SMTP_URL: await smtp.start(), RATE_LIMIT_PER_MINUTE: '100000' } });
  }, 60_000);

  afterAll(async () => {
    await sut?.close();
    await smtp?.stop();
    await backend?.dispose();
  });

  const next = (providerId: number) => sut.api.post('/api/queue/next', { provider_id: providerId });
  const queueOf = async (providerId: number) => (await sut.api.get(`/api/queue?provider_id=${providerId}`)).body;
  const order = async (providerId: number) =>
    (await queueOf(providerId)).entries.filter((e: Entry) => e.status === 'waiting').map((e: Entry) => e.entry_id);
  const priority = (entry: Entry, on: boolean) => sut.api.post(`/api/queue/entries/${entry.entry_id}/priority`, { priority: on });

  /** These clients walk in, in this order. */
  async function walkIns(providerId: number, count: number): Promise<Entry[]> {
    const entries: Entry[] = [];
    for (let i = 0; i < count; i++) {
      const client = await createClient(sut.api);
      const response = await sut.api.post('/api/queue/check_in', { provider_id: providerId, client_id: client.id });
      expect(response.status).toBe(201);
      entries.push({ ...response.body, email: client.email });
    }
    return entries;
  }

  it('lets a no-show go through when the priority streak moves a regular entry from 4th to 1st (it is told, not refused with 503)', async () => {
    const provider = await createProvider(sut.api, { time_zone: 'UTC' });
    const [a, r1, pa, pb, p1, p2, r2] = await walkIns(provider.id, 7);
    await expect(next(provider.id)).resolves.toMatchObject({ status: 200, body: { now_serving: { entry_id: a.entry_id } } });
    for (const entry of [pa, pb, p1, p2]) await expect(priority(entry, true)).resolves.toMatchObject({ status: 200 });
    // Two priority calls in a row while R1 waits: the streak is full.
    await expect(next(provider.id)).resolves.toMatchObject({ body: { now_serving: { entry_id: pa.entry_id } } });
    await expect(next(provider.id)).resolves.toMatchObject({ body: { now_serving: { entry_id: pb.entry_id } } });
    await expect(order(provider.id)).resolves.toEqual([r1, p1, p2, r2].map((e) => e.entry_id));

    // R1 does not come: R2 is the regular entry the streak lets through, and moves from 4th to 1st.
    const noShow = await sut.api.post(`/api/queue/entries/${r1.entry_id}/no_show`);
    expect({ status: noShow.status, code: noShow.body.code }).toEqual({ status: 200, code: undefined });
    await expect(order(provider.id)).resolves.toEqual([r2, p1, p2].map((e) => e.entry_id));
    // ...and is told that it is next (no phone: by email), once.
    const told = await smtp.waitFor(r2.email);
    expect(told.subject).toMatch(/next/i);
    // Every notice is written with its change: once each has gone, a second one would be in the sink.
    await outboxRowsWhen(sut.app, provider.id, (rows) => rows.every((row) => row.status !== 'queued'));
    expect(smtp.to(r2.email)).toHaveLength(1);
  });

  it("gives a new board link its own streams: a revoked link's open streams do not hold the new one's places (429)", async () => {
    const provider = await createProvider(sut.api, { time_zone: 'UTC' });
    const issue = async () => new URL((await sut.api.post(`/api/providers/${provider.id}/board`)).body.board_url as string);
    const eventsOf = (board: URL) => `${board.origin}/api/queue/board/events${board.search}`;
    const leaked = await issue();
    // Someone holding a leaked link opens streams up to the per-key limit (100)...
    const held: SseReader[] = [];
    try {
      for (let i = 0; i < 100; i++) {
        const stream = await SseReader.open(eventsOf(leaked));
        expect(stream.status).toBe(200);
        held.push(stream);
      }
      // ...the provider revokes it by issuing a new link: the waiting room's screen must open its board.
      const renewed = await issue();
      const screen = await SseReader.open(eventsOf(renewed));
      try {
        expect({ status: screen.status, code: screen.problem?.code }).toEqual({ status: 200, code: undefined });
      } finally {
        screen.close();
      }
    } finally {
      for (const stream of held) stream.close();
    }
  });
});
