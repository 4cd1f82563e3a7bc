import { backendKind, createBackend, servicesConfigured, TestBackend } from '../support/backend';
import { ApiClient } from '../support/api-client';
import { AppProcess, startAppProcess } from '../support/app-process';
import { askedAgainWhileUnavailable } from '../support/expectations';
import { createClient, createProvider } from '../support/factories';
import { SseReader } from '../support/sse-reader';

const describeServices = backendKind() === 'services' && servicesConfigured() ? describe : describe.skip;

/**
 * Tickets are handed out under the queue day's lock in PostgreSQL, so two real server processes
 * checking clients in at once never give two of them the same ticket; a display board opened on one
 * process follows check-ins made on the other.
 */
describeServices('queue tickets on two server processes', () => {
  let backend: TestBackend;
  let processes: AppProcess[];
  let admin: [ApiClient, ApiClient];

  beforeAll(async () => {
    backend = await createBackend();
    // Fifty check-ins at once on the administrator's key: the mail routes' tenth must hold them.
    const env: Record<string, string | undefined> = { ...backend.env, NODE_ENV: 'test', RATE_LIMIT_PER_MINUTE: '100000' };
    processes = await Promise.all([startAppProcess(env), startAppProcess(env)]);
    admin = [new ApiClient(processes[0].url, env.ADMIN_API_KEY), new ApiClient(processes[1].url, env.ADMIN_API_KEY)];
  }, 120_000);

  afterAll(async () => {
    await Promise.all((processes ?? []).map((process) => process.stop()));
    await backend?.dispose();
  });

  it('gives 50 concurrent check-ins on two processes 50 different tickets, A-001 to A-050, and a board on either sees them', async () => {
    const provider = await createProvider(admin[0]);
    const clients = await Promise.all(Array.from({ length: 50 }, () => createClient(admin[0])));
    const board = new URL((await admin[1].post(`/api/providers/${provider.id}/board`)).body.board_url as string);
    const stream = await SseReader.open(`${processes[1].url}/api/queue/board/events${board.search}`);
    try {
      await expect(stream.next()).resolves.toMatchObject({ event: 'board', data: { waiting: 0 } });

      const checkInOf = (i: number) => admin[i % 2].post('/api/queue/check_in', { provider_id: provider.id, client_id: clients[i].id });
      const burst = await Promise.all(clients.map((_client, i) => checkInOf(i)));
      // They queue on the day's lock: on a starved machine a few may pass a database deadline (a clean 503) and are asked again after.
      const answers = await askedAgainWhileUnavailable(burst, checkInOf);

      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
      const tickets = answers.map((answer) => answer.body.ticket as string).sort();
      expect(tickets).toEqual(Array.from({ length: 50 }, (_, i) => `A-${String(i + 1).padStart(3, '0')}`));
      const queue = await admin[1].get(`/api/queue?provider_id=${provider.id}`);
      const inLine = queue.body.entries.map((entry: { ticket: string }) => entry.ticket);
      expect([...inLine].sort()).toEqual(tickets);
      await expect(stream.until((event) => event.data.waiting === 50, 20_000)).resolves.toMatchObject({
        data: { next: inLine.slice(0, 5).map((ticket: string) => expect.objectContaining({ ticket })) },
      });
    } finally {
      stream.close();
    }
  });
});
