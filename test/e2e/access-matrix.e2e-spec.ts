import { accessConfig } from '../../src/config/namespaces';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

const CALLERS = ['none', 'unknown', 'admin', 'ownProvider', 'otherProvider', 'ownClient', 'otherClient'] as const;
type CallerName = (typeof CALLERS)[number];

interface Fixture {
  providerId: number;
  clientId: number;
  appointmentId: number;
  /** A walk-in of the own client in the own provider's queue today. */
  entryId: number;
  /** The own client's waitlist entry with the own provider, for a window that never opens. */
  waitlistEntryId: number;
  /** The validation email of `appointmentId`: sent (or on its way), so not retryable. */
  deliveryId: number;
  /** A webhook of the own provider. */
  webhookId: number;
  /** Another webhook of the own provider at each call, for routes that delete one. */
  spareWebhookId: () => number;
  date: string;
  /** A date of the own provider with no hours of its own. */
  spareDate: string;
  /** A client nobody else uses: erasing it leaves the rows after alone. */
  spareClientId: number;
  nextSlot: () => number;
  unique: () => string;
  /** The own provider's current display-board key. */
  boardKey: string;
}

interface Row {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route as the OpenAPI document names it. */
  route: string;
  path: (f: Fixture) => string;
  body?: (f: Fixture) => unknown;
  /** Status for each caller, in the order of CALLERS; a list where the outcome depends on what ran before. */
  expect: [Status, Status, Status, Status, Status, Status, Status];
  /** An event stream: only its status is read, then it is closed. */
  stream?: true;
  /** A successful call issues a new key to this owner; later callers use it. */
  rotates?: 'ownProvider' | 'ownClient' | 'board';
}

type Status = number | number[];
type Listed = { id: number; provider_id: number; client_id: number };
const DONE_OR_CLOSED = [200, 409];

const ANYONE_200: Row['expect'] = [200, 200, 200, 200, 200, 200, 200];

/**
 * Every route × every kind of caller → the status the contract gives. The last test fails when a
 * route exists that this table does not cover.
 */
const MATRIX: Row[] = [
  { method: 'GET', route: '/api', path: () => '/api', expect: ANYONE_200 },
  { method: 'GET', route: '/api/hello', path: () => '/api/hello', expect: ANYONE_200 },
  { method: 'GET', route: '/api/health', path: () => '/api/health', expect: ANYONE_200 },
  { method: 'GET', route: '/api/health/live', path: () => '/api/health/live', expect: ANYONE_200 },
  { method: 'GET', route: '/api/health/ready', path: () => '/api/health/ready', expect: ANYONE_200 },
  // The administrator, or METRICS_TOKEN (test/e2e/operations.e2e-spec.ts), which is no caller's key.
  { method: 'GET', route: '/api/metrics', path: () => '/api/metrics', expect: [401, 401, 200, 403, 403, 403, 403] },
  {
    method: 'POST',
    route: '/api/providers',
    path: () => '/api/providers',
    body: (f) => ({ name: 'New', email: `new-${f.unique()}@clinic.test` }),
    expect: [401, 401, 201, 403, 403, 403, 403],
  },
  { method: 'GET', route: '/api/providers', path: () => '/api/providers', expect: [401, 401, 200, 200, 200, 403, 403] },
  {
    method: 'GET',
    route: '/api/providers/{id}',
    path: (f) => `/api/providers/${f.providerId}`,
    expect: [401, 401, 200, 200, 404, 404, 404],
  },
  {
    method: 'POST',
    route: '/api/providers/{id}/api_key',
    path: (f) => `/api/providers/${f.providerId}/api_key`,
    expect: [401, 401, 200, 200, 404, 404, 404],
    rotates: 'ownProvider',
  },
  {
    method: 'PATCH',
    route: '/api/providers/{id}',
    path: (f) => `/api/providers/${f.providerId}`,
    body: () => ({ buffer_minutes: 0 }),
    expect: [401, 401, 200, 200, 404, 404, 404],
  },
  {
    method: 'GET',
    route: '/api/providers/{id}/weekly_hours',
    path: (f) => `/api/providers/${f.providerId}/weekly_hours`,
    expect: [401, 401, 200, 200, 404, 404, 404],
  },
  {
    method: 'PUT',
    route: '/api/providers/{id}/weekly_hours',
    path: (f) => `/api/providers/${f.providerId}/weekly_hours`,
    body: () => ({ hours: [{ weekday: 1, start_time: '08:00', end_time: '18:00' }] }),
    expect: [401, 401, 200, 200, 404, 404, 404],
  },
  {
    method: 'GET',
    route: '/api/providers/{id}/dates/{date}',
    path: (f) => `/api/providers/${f.providerId}/dates/${f.date}`,
    expect: [401, 401, 200, 200, 404, 404, 404],
  },
  {
    method: 'PUT',
    route: '/api/providers/{id}/dates/{date}',
    path: (f) => `/api/providers/${f.providerId}/dates/${f.date}`,
    // The hours the date already has: the rows after this one still find them.
    body: () => ({ windows: [{ start_time: '08:00', end_time: '18:00' }] }),
    expect: [401, 401, 200, 200, 404, 404, 404],
  },
  {
    method: 'DELETE',
    route: '/api/providers/{id}/dates/{date}',
    path: (f) => `/api/providers/${f.providerId}/dates/${f.spareDate}`,
    expect: [401, 401, 204, 204, 404, 404, 404],
  },
  {
    method: 'POST',
    route: '/api/clients',
    path: () => '/api/clients',
    body: (f) => ({ name: 'New', email: `new-${f.unique()}@mail.test` }),
    expect: [401, 401, 201, 403, 403, 403, 403],
  },
  { method: 'GET', route: '/api/clients/{id}', path: (f) => `/api/clients/${f.clientId}`, expect: [401, 401, 200, 404, 404, 200, 404] },
  {
    method: 'GET',
    route: '/api/clients/{id}/export',
    path: (f) => `/api/clients/${f.clientId}/export`,
    expect: [401, 401, 200, 404, 404, 200, 404],
  },
  // Another client's erasure: the own client erasing itself is in test/e2e/privacy.e2e-spec.ts.
  {
    method: 'DELETE',
    route: '/api/clients/{id}',
    path: (f) => `/api/clients/${f.spareClientId}`,
    expect: [401, 401, 204, 404, 404, 404, 404],
  },
  {
    method: 'POST',
    route: '/api/clients/{id}/api_key',
    path: (f) => `/api/clients/${f.clientId}/api_key`,
    expect: [401, 401, 200, 404, 404, 200, 404],
    rotates: 'ownClient',
  },
  {
    method: 'POST',
    route: '/api/schedule',
    path: () => '/api/schedule',
    body: (f) => ({ date: f.date, start_time: '08:00', end_time: '18:00', provider_id: f.providerId }),
    expect: [401, 401, 201, 201, 403, 403, 403],
  },
  { method: 'GET', route: '/api/schedule', path: (f) => `/api/schedule?provider_id=${f.providerId}&date=${f.date}`, expect: ANYONE_200 },
  {
    method: 'POST',
    route: '/api/client_schedule',
    path: () => '/api/client_schedule',
    body: (f) => ({ date: f.date, provider_id: f.providerId, client_id: f.clientId, requested_slot: f.nextSlot() }),
    expect: [401, 401, 202, 403, 403, 202, 403],
  },
  // A guest booking: open without a key; a key must name client_id (400), an unknown key is refused.
  {
    method: 'POST',
    route: '/api/client_schedule',
    path: () => '/api/client_schedule',
    body: (f) => ({
      date: f.date,
      provider_id: f.providerId,
      requested_slot: f.nextSlot(),
      client: { name: 'Guest', email: `guest-${f.unique()}@mail.test` },
    }),
    expect: [202, 401, 400, 400, 400, 400, 400],
  },
  // The booking page and its form are open to all: a key, even an unknown one, changes nothing.
  { method: 'GET', route: '/api/book', path: (f) => `/api/book?provider_id=${f.providerId}`, expect: ANYONE_200 },
  {
    method: 'POST',
    route: '/api/book',
    path: () => '/api/book',
    body: (f) => ({
      provider_id: f.providerId,
      date: f.date,
      requested_slot: f.nextSlot(),
      name: 'Guest',
      email: `page-${f.unique()}@mail.test`,
    }),
    expect: [202, 202, 202, 202, 202, 202, 202],
  },
  // The manage link's token is the credential: the key, or its absence, changes nothing.
  { method: 'GET', route: '/api/manage', path: () => '/api/manage?token=not.a.token', expect: [401, 401, 401, 401, 401, 401, 401] },
  {
    method: 'POST',
    route: '/api/manage/cancel',
    path: () => '/api/manage/cancel',
    body: () => ({ token: 'not.a.token' }),
    expect: [401, 401, 401, 401, 401, 401, 401],
  },
  {
    method: 'POST',
    route: '/api/manage/reschedule',
    path: () => '/api/manage/reschedule',
    body: (f) => ({ token: 'not.a.token', date: f.date, requested_slot: 40 }),
    expect: [401, 401, 401, 401, 401, 401, 401],
  },
  // The token is the credential: the key, or its absence, changes nothing.
  { method: 'GET', route: '/api/validate', path: () => '/api/validate?token=not.a.token', expect: [401, 401, 401, 401, 401, 401, 401] },
  { method: 'POST', route: '/api/validate', path: () => '/api/validate', body: () => ({}), expect: [400, 400, 400, 400, 400, 400, 400] },
  { method: 'GET', route: '/api/appointments', path: () => '/api/appointments', expect: [401, 401, 200, 200, 200, 200, 200] },
  {
    method: 'GET',
    route: '/api/appointments',
    path: (f) => `/api/appointments?provider_id=${f.providerId}`,
    expect: [401, 401, 200, 200, 403, 200, 200],
  },
  {
    method: 'GET',
    route: '/api/appointments',
    path: (f) => `/api/appointments?client_id=${f.clientId}`,
    expect: [401, 401, 200, 200, 200, 200, 403],
  },
  {
    method: 'GET',
    route: '/api/appointments/{id}',
    path: (f) => `/api/appointments/${f.appointmentId}`,
    expect: [401, 401, 200, 200, 404, 200, 404],
  },
  {
    method: 'POST',
    route: '/api/appointments/{id}/cancel',
    path: (f) => `/api/appointments/${f.appointmentId}/cancel`,
    expect: [401, 401, 200, 200, 404, 200, 404],
  },
  // Those who may see it are told it cannot move (it is pending, then cancelled); the others, that it does not exist.
  {
    method: 'POST',
    route: '/api/appointments/{id}/reschedule',
    path: (f) => `/api/appointments/${f.appointmentId}/reschedule`,
    body: (f) => ({ date: f.date, requested_slot: f.nextSlot() }),
    expect: [401, 401, 409, 409, 404, 409, 404],
  },
  {
    method: 'POST',
    route: '/api/queue/check_in',
    path: () => '/api/queue/check_in',
    body: (f) => ({ provider_id: f.providerId, client_id: f.clientId }),
    expect: [401, 401, 201, 201, 403, 201, 403],
  },
  {
    method: 'GET',
    route: '/api/queue',
    path: (f) => `/api/queue?provider_id=${f.providerId}`,
    expect: [401, 401, 200, 200, 403, 403, 403],
  },
  {
    method: 'GET',
    route: '/api/queue/events',
    path: (f) => `/api/queue/events?provider_id=${f.providerId}`,
    expect: [401, 401, 200, 200, 403, 403, 403],
    stream: true,
  },
  {
    method: 'GET',
    route: '/api/queue/entries/{entry_id}',
    path: (f) => `/api/queue/entries/${f.entryId}`,
    expect: [401, 401, 200, 200, 404, 200, 404],
  },
  {
    method: 'GET',
    route: '/api/queue/entries/{entry_id}/events',
    path: (f) => `/api/queue/entries/${f.entryId}/events`,
    expect: [401, 401, 200, 200, 404, 200, 404],
    stream: true,
  },
  {
    method: 'POST',
    route: '/api/queue/next',
    path: () => '/api/queue/next',
    body: (f) => ({ provider_id: f.providerId }),
    expect: [401, 401, DONE_OR_CLOSED, DONE_OR_CLOSED, 403, 403, 403],
  },
  {
    method: 'POST',
    route: '/api/queue/entries/{entry_id}/priority',
    path: (f) => `/api/queue/entries/${f.entryId}/priority`,
    body: () => ({ priority: true }),
    expect: [401, 401, DONE_OR_CLOSED, DONE_OR_CLOSED, 404, 403, 404],
  },
  // The board's key is the credential: any Authorization header, or none, is beside the point.
  {
    method: 'GET',
    route: '/api/queue/board',
    path: (f) => `/api/queue/board?provider_id=${f.providerId}&key=${f.boardKey}`,
    expect: ANYONE_200,
  },
  {
    method: 'GET',
    route: '/api/queue/board/events',
    path: (f) => `/api/queue/board/events?provider_id=${f.providerId}&key=${f.boardKey}`,
    expect: ANYONE_200,
    stream: true,
  },
  {
    method: 'POST',
    route: '/api/providers/{id}/board',
    path: (f) => `/api/providers/${f.providerId}/board`,
    expect: [401, 401, 201, 201, 404, 404, 404],
    rotates: 'board',
  },
  {
    method: 'POST',
    route: '/api/queue/entries/{entry_id}/no_show',
    path: (f) => `/api/queue/entries/${f.entryId}/no_show`,
    expect: [401, 401, DONE_OR_CLOSED, DONE_OR_CLOSED, 404, 403, 404],
  },
  {
    method: 'POST',
    route: '/api/queue/entries/{entry_id}/leave',
    path: (f) => `/api/queue/entries/${f.entryId}/leave`,
    expect: [401, 401, DONE_OR_CLOSED, DONE_OR_CLOSED, 404, DONE_OR_CLOSED, 404],
  },
  // Remote join: the page and its request are open to all, a key (even an unknown one) changes nothing;
  // the join link's token is the credential of the rest.
  { method: 'GET', route: '/api/queue/join', path: (f) => `/api/queue/join?provider_id=${f.providerId}`, expect: ANYONE_200 },
  {
    method: 'POST',
    route: '/api/queue/join',
    path: () => '/api/queue/join',
    body: (f) => ({ provider_id: f.providerId, name: 'Remote', email: `remote-${f.unique()}@mail.test` }),
    expect: [202, 202, 202, 202, 202, 202, 202],
  },
  {
    method: 'GET',
    route: '/api/queue/join/entry',
    path: () => '/api/queue/join/entry?token=not.a.token',
    expect: [401, 401, 401, 401, 401, 401, 401],
  },
  {
    method: 'POST',
    route: '/api/queue/join/entry',
    path: () => '/api/queue/join/entry',
    body: () => ({ token: 'not.a.token' }),
    expect: [401, 401, 401, 401, 401, 401, 401],
  },
  {
    method: 'GET',
    route: '/api/queue/join/events',
    path: () => '/api/queue/join/events?token=not.a.token',
    expect: [401, 401, 401, 401, 401, 401, 401],
    stream: true,
  },
  { method: 'GET', route: '/api/deliveries', path: () => '/api/deliveries', expect: [401, 401, 200, 200, 200, 403, 403] },
  {
    method: 'GET',
    route: '/api/deliveries',
    path: (f) => `/api/deliveries?appointment_id=${f.appointmentId}`,
    expect: [401, 401, 200, 200, 200, 403, 403],
  },
  {
    method: 'POST',
    route: '/api/deliveries/{id}/retry',
    path: (f) => `/api/deliveries/${f.deliveryId}/retry`,
    // The administrator alone; this one is not failed, so even it gets 409 NOT_RETRYABLE.
    expect: [401, 401, 409, 403, 403, 403, 403],
  },
  // Windows of 00:00–01:00, which never open here: no offer is made to these entries.
  {
    method: 'POST',
    route: '/api/waitlist',
    path: () => '/api/waitlist',
    body: (f) => ({ provider_id: f.providerId, client_id: f.clientId, date: f.date, from_slot: 0, to_slot: 4 }),
    expect: [401, 401, 201, 403, 403, 201, 403],
  },
  { method: 'GET', route: '/api/waitlist', path: () => '/api/waitlist', expect: [401, 401, 200, 200, 200, 200, 200] },
  {
    method: 'GET',
    route: '/api/waitlist',
    path: (f) => `/api/waitlist?provider_id=${f.providerId}`,
    expect: [401, 401, 200, 200, 403, 200, 200],
  },
  {
    method: 'GET',
    route: '/api/waitlist/{id}',
    path: (f) => `/api/waitlist/${f.waitlistEntryId}`,
    expect: [401, 401, 200, 200, 404, 200, 404],
  },
  // Leaving twice answers the same.
  {
    method: 'DELETE',
    route: '/api/waitlist/{id}',
    path: (f) => `/api/waitlist/${f.waitlistEntryId}`,
    expect: [401, 401, 204, 204, 404, 204, 404],
  },
  {
    method: 'POST',
    route: '/api/webhooks',
    path: () => '/api/webhooks',
    // A name that never resolves: accepted (checked at each call), and no call reaches anyone.
    body: (f) => ({ url: `https://hooks-${f.unique()}.scheduler.invalid/x`, events: ['ping'], provider_id: f.providerId }),
    expect: [401, 401, 201, 201, 403, 403, 403],
  },
  { method: 'GET', route: '/api/webhooks', path: () => '/api/webhooks', expect: [401, 401, 200, 200, 200, 403, 403] },
  { method: 'GET', route: '/api/webhooks/{id}', path: (f) => `/api/webhooks/${f.webhookId}`, expect: [401, 401, 200, 200, 404, 403, 403] },
  {
    method: 'GET',
    route: '/api/webhooks/{id}/deliveries',
    path: (f) => `/api/webhooks/${f.webhookId}/deliveries`,
    expect: [401, 401, 200, 200, 404, 403, 403],
  },
  {
    method: 'POST',
    route: '/api/webhooks/{id}/test',
    path: (f) => `/api/webhooks/${f.webhookId}/test`,
    expect: [401, 401, 202, 202, 404, 403, 403],
  },
  {
    method: 'DELETE',
    route: '/api/webhooks/{id}',
    path: (f) => `/api/webhooks/${f.spareWebhookId()}`,
    expect: [401, 401, 204, 204, 404, 403, 403],
  },
];

const CODES: Record<number, string[]> = {
  401: ['UNAUTHENTICATED', 'TOKEN_INVALID'],
  403: ['FORBIDDEN'],
  404: ['PROVIDER_NOT_FOUND', 'CLIENT_NOT_FOUND', 'APPOINTMENT_NOT_FOUND', 'NOT_FOUND'],
};

/** A row's test name: its method and path, with 1 for every id. */
function rowName(row: Row): string {
  return `${row.method} ${row.path({ providerId: 1, clientId: 1, appointmentId: 1, entryId: 1, waitlistEntryId: 1, deliveryId: 1, webhookId: 1, spareWebhookId: () => 1, date: 'D', spareDate: 'S', spareClientId: 1, nextSlot: () => 0, unique: () => '', boardKey: 'K' })}`;
}

function accepts(expected: Status, actual: number): boolean {
  return Array.isArray(expected) ? expected.includes(actual) : expected === actual;
}

/** Opens an event stream as EventSource would (the key in the query), reads its status and hangs up. */
async function streamStatus(url: string, key: string | undefined): Promise<number> {
  const abort = new AbortController();
  const withKey = key ? `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(key)}` : url;
  const response = await fetch(withKey, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
  abort.abort();
  return response.status;
}

describeBackend('access matrix', () => {
  let backend: TestBackend;
  let sut: TestApp;
  let fixture: Fixture;
  const keys = {} as Record<CallerName, string | undefined>;
  /** One appointment for each pairing of the own and other provider with the own and other client. */
  const pairings: { providerId: number; clientId: number; appointmentId: number }[] = [];
  const ids = { ownProvider: 0, otherProvider: 0, ownClient: 0, otherClient: 0 };

  beforeAll(async () => {
    backend = await createBackend();
    // Every caller subscribes, and deletes a spare subscription, for the same provider.
    sut = await startTestApp(backend.env, { env: { WEBHOOK_MAX_PER_PROVIDER: '1000' } });
    const [own, other] = [await createProvider(sut.api), await createProvider(sut.api)];
    const [ownClient, otherClient] = [await createClient(sut.api), await createClient(sut.api)];
    const date = futureDate(90);
    await publish(sut.api, own.id, date, '08:00', '18:00');
    const held = await sut.api.post('/api/client_schedule', { date, provider_id: own.id, client_id: ownClient.id, requested_slot: 32 });
    await publish(sut.api, other.id, date, '08:00', '18:00');
    Object.assign(ids, { ownProvider: own.id, otherProvider: other.id, ownClient: ownClient.id, otherClient: otherClient.id });
    pairings.push({ providerId: own.id, clientId: ownClient.id, appointmentId: held.body.appointment_id });
    for (const [provider, client, slot] of [
      [own, otherClient, 60],
      [other, ownClient, 61],
      [other, otherClient, 62],
    ] as const) {
      const pairing = await sut.api.post('/api/client_schedule', {
        date,
        provider_id: provider.id,
        client_id: client.id,
        requested_slot: slot,
      });
      expect(pairing.status).toBe(202);
      pairings.push({ providerId: provider.id, clientId: client.id, appointmentId: pairing.body.appointment_id });
    }
    const walkIn = await sut.api.post('/api/queue/check_in', { provider_id: own.id, client_id: ownClient.id });
    expect(walkIn.status).toBe(201);
    const waitlisted = await sut.api.post('/api/waitlist', {
      provider_id: own.id,
      client_id: ownClient.id,
      date,
      from_slot: 0,
      to_slot: 4,
    });
    expect(waitlisted.status).toBe(201);
    const deliveries = await sut.api.get(`/api/deliveries?appointment_id=${held.body.appointment_id}`);
    // Its validation email and the hold's reminder.
    expect(deliveries.body.items.map((item: { kind: string }) => item.kind).sort()).toEqual(['hold_reminder', 'validation']);
    const webhookIds: number[] = [];
    for (let i = 0; i < 2 * CALLERS.length; i++) {
      const hook = await sut.api.post('/api/webhooks', {
        url: `https://hook-${i}.scheduler.invalid/x`,
        events: ['ping'],
        provider_id: own.id,
      });
      expect(hook.status).toBe(201);
      webhookIds.push(hook.body.id);
    }
    let slot = 33;
    let counter = 0;
    fixture = {
      providerId: own.id,
      clientId: ownClient.id,
      appointmentId: held.body.appointment_id,
      entryId: walkIn.body.entry_id,
      waitlistEntryId: waitlisted.body.id,
      deliveryId: deliveries.body.items.find((item: { kind: string }) => item.kind === 'validation').id,
      webhookId: webhookIds[0],
      spareWebhookId: () => webhookIds.pop()!,
      date,
      spareDate: futureDate(91),
      spareClientId: (await createClient(sut.api, { name: 'Spare', email: `spare-${Date.now()}@mail.test` })).id,
      nextSlot: () => slot++,
      unique: () => `${Date.now()}-${counter++}`,
      boardKey: new URL((await sut.api.post(`/api/providers/${own.id}/board`)).body.board_url as string).searchParams.get('key')!,
    };
    Object.assign(keys, {
      none: undefined,
      unknown: 'prv_thisKeyWasNeverIssuedToAnyoneAtAll0000000',
      admin: sut.config(accessConfig).adminApiKey,
      ownProvider: own.api_key,
      otherProvider: other.api_key,
      ownClient: ownClient.api_key,
      otherClient: otherClient.api_key,
    });
  });

  afterAll(async () => {
    await sut?.close();
    await backend?.dispose();
  });

  it.each(MATRIX.map((row, index) => [rowName(row), index] as const))(
    '%s answers each caller as the contract says',
    async (_name, index) => {
      const row = MATRIX[index];
      const got: Record<string, number> = {};
      for (const [i, caller] of CALLERS.entries()) {
        const api = sut.anonymous.as(keys[caller]);
        if (row.stream) {
          got[caller] = await streamStatus(sut.url + row.path(fixture), keys[caller]);
          continue;
        }
        const response = await api.request(row.method, row.path(fixture), row.body?.(fixture));
        got[caller] = response.status;
        const isProblem = (response.headers.get('content-type') ?? '').includes('problem+json');
        if (isProblem && CODES[response.status] && accepts(row.expect[i], response.status)) {
          expect(CODES[response.status]).toContain(response.body.code);
        }
        if (row.rotates === 'board' && response.status === 201) {
          fixture.boardKey = new URL(response.body.board_url as string).searchParams.get('key')!;
        } else if (row.rotates && row.rotates !== 'board' && response.status === 200) keys[row.rotates] = response.body.api_key;
      }
      const wanted = Object.fromEntries(
        CALLERS.map((caller, i) => [caller, accepts(row.expect[i], got[caller]) ? got[caller] : row.expect[i]]),
      );
      expect(got).toEqual(wanted);
    },
  );

  // EventSource cannot send headers, so streams take the key in the query; no other route may, or keys
  // would end up in browser histories, proxy logs and Referer headers.
  it.each(
    MATRIX.flatMap((row, index) => (!row.stream && row.expect[0] === 401 && row.expect[2] !== 401 ? [[rowName(row), index] as const] : [])),
  )('%s refuses a key given only as ?access_token=', async (_name, index) => {
    const row = MATRIX[index];
    const path = row.path(fixture);
    const withQueryKey = `${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(keys.admin!)}`;
    const response = await sut.anonymous.request(row.method, withQueryKey, row.body?.(fixture));
    expect(response).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });

  // Statuses alone would let a provider's unfiltered list show everyone's appointments: check contents.
  it.each([
    ['admin', 'none', () => true],
    ['ownProvider', 'none', (a: Listed) => a.provider_id === ids.ownProvider],
    ['otherProvider', 'none', (a: Listed) => a.provider_id === ids.otherProvider],
    ['ownProvider', 'client_id=otherClient', (a: Listed) => a.provider_id === ids.ownProvider && a.client_id === ids.otherClient],
    ['ownClient', 'none', (a: Listed) => a.client_id === ids.ownClient],
    ['otherClient', 'none', (a: Listed) => a.client_id === ids.otherClient],
    ['ownClient', 'provider_id=otherProvider', (a: Listed) => a.client_id === ids.ownClient && a.provider_id === ids.otherProvider],
  ] as const)('GET /api/appointments lists to %s (filter: %s) only what is theirs', async (caller, filter, theirs) => {
    const all: Listed[] = (await sut.api.get('/api/appointments')).body.items;
    expect(all.map((item) => item.id)).toEqual(expect.arrayContaining(pairings.map((pairing) => pairing.appointmentId)));
    const [field, owner] = filter.split('=') as [string, keyof typeof ids | undefined];
    const listed = await sut.anonymous.as(keys[caller]).get(`/api/appointments${owner ? `?${field}=${ids[owner]}` : ''}`);
    expect(listed.status).toBe(200);
    const byId = (a: number, b: number) => a - b;
    const expected = all.filter(theirs).map((item) => item.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(listed.body.items.map((item: Listed) => item.id).sort(byId)).toEqual(expected.sort(byId));
  });

  it('a rotated key replaces the old one at once', async () => {
    const provider = await createProvider(sut.api);
    const rotated = await sut.anonymous.as(provider.api_key).post(`/api/providers/${provider.id}/api_key`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.api_key).not.toBe(provider.api_key);
    await expect(sut.anonymous.as(provider.api_key).get(`/api/providers/${provider.id}`)).resolves.toMatchObject({
      status: 401,
      body: { code: 'UNAUTHENTICATED' },
    });
    await expect(sut.anonymous.as(rotated.body.api_key).get(`/api/providers/${provider.id}`)).resolves.toMatchObject({ status: 200 });
  });

  it('shows an API key only in the answer that issues it', async () => {
    const client = await createClient(sut.api);
    expect(client.api_key).toMatch(/^cli_[A-Za-z0-9_-]{43}$/);
    const read = await sut.api.get(`/api/clients/${client.id}`);
    expect(read.text).not.toContain(client.api_key);
    expect(read.body).not.toHaveProperty('api_key');
  });

  it('covers every route the service has', async () => {
    const document = (await sut.api.get('/api/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = new Set(MATRIX.map((row) => `${row.method} ${row.route}`));
    expect(served.filter((route) => !covered.has(route))).toEqual([]);
  });
});
