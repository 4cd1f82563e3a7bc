import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ApiClient } from '../support/api-client';
import { AppProcess, startAppProcess } from '../support/app-process';
import { backendKind, createBackend, servicesConfigured, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { SmtpSink } from '../support/smtp-sink';

const describeServices = backendKind() === 'services' && servicesConfigured() ? describe : describe.skip;

/** The contract: a change made through one process shows on the others within this long. */
const TRAIL_MS = 100;

/**
 * A loopback proxy to Redis whose link can stall silently: the connections stay open, nothing is
 * forwarded either way (a half-open TCP link, a NAT that forgot the flow, a switch dropping packets).
 */
class StallingProxy {
  private server: Server | undefined;
  private readonly pairs: [Socket, Socket][] = [];
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) socket.on('error', () => socket.destroy());
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      this.pairs.push([client, upstream]);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `redis://127.0.0.1:${this.port}`;
  }

  stall(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  async stop(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/**
 * B reaches Redis through a link that stalls without closing. No invalidation reaches B any more, and
 * B cannot tell from any connection event: its cache bus stays live. The contract still holds B to
 * showing A's change within 100 ms (or failing closed, 503), as the listing did before it was cached.
 */
describeServices('the open-slot listing cache, when one process loses its Redis link silently', () => {
  let backend: TestBackend;
  let smtp: SmtpSink;
  let proxy: StallingProxy;
  let processes: AppProcess[] = [];

  beforeAll(async () => {
    backend = await createBackend();
    smtp = new SmtpSink();
    const redis = new URL(backend.env.REDIS_URL!);
    proxy = new StallingProxy(redis.hostname, Number(redis.port || 6379));
    const env: Record<string, string | undefined> = { ...backend.env, NODE_ENV: 'test', SMTP_URL: await smtp.start() };
    processes = await Promise.all([startAppProcess(env), startAppProcess({ ...env, REDIS_URL: await proxy.start() })]);
  }, 120_000);

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all(processes.map((process) => process.stop()));
    await smtp?.stop();
    await backend?.dispose();
  });

  it('does not list on B, more than 100 ms after A answered, a slot A has held', async () => {
    const [a, b] = processes.map((process) => new ApiClient(process.url, backend.env.ADMIN_API_KEY));
    const provider = await createProvider(a);
    const client = await createClient(a);
    const date = futureDate(64);
    await publish(a, provider.id, date, '09:00', '10:00');
    const listOnB = () => b.as(undefined).get(`/api/schedule?provider_id=${provider.id}&date=${date}`);
    // B loads the day now (a miss) and keeps it: the entry is at most a few ms old when the link stalls.
    await expect(listOnB()).resolves.toMatchObject({ status: 200 });

    proxy.stall();
    const held = await a.post('/api/client_schedule', { date, provider_id: provider.id, client_id: client.id, requested_slot: 37 });
    expect(held.status).toBe(202);
    const answeredOnA = performance.now();
    await new Promise((resolve) => setTimeout(resolve, TRAIL_MS + 10));

    const listed = await listOnB();
    const answeredAfterMs = Math.round(performance.now() - answeredOnA);
    // Failing closed (503) keeps the promise; an answer that still offers slot 37 breaks it.
    if (listed.status === 200) {
      const indexes = (listed.body.slots as { index: number }[]).map((slot) => slot.index);
      expect({ indexes, answeredAfterMs }).toEqual({ indexes: [36, 38, 39], answeredAfterMs });
    } else {
      expect(listed).toMatchObject({ status: 503 });
    }
  });
});
