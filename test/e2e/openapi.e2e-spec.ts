import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { canonicalJson, OPENAPI_FILE } from '../../scripts/openapi';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { startTestApp, TestApp } from '../support/test-app';

type Schema = { $ref?: string; properties?: Record<string, unknown>; items?: Schema; type?: string };

const ENTRY = [
  'entry_id',
  'provider_id',
  'client_id',
  'appointment_id',
  'date',
  'status',
  'ticket',
  'priority',
  'position',
  'expected_wait_minutes',
  'expected_wait_range_minutes',
  'expected_start',
];

const DELIVERY = [
  'id',
  'channel',
  'kind',
  'appointment_id',
  'recipient',
  'status',
  'attempts',
  'last_error',
  'next_attempt_at',
  'created_at',
  'sent_at',
];

const WAITLIST_ENTRY = ['id', 'provider_id', 'client_id', 'date', 'duration_minutes', 'from_slot', 'to_slot', 'status', 'created_at'];
const WEBHOOK = ['id', 'url', 'events', 'provider_id', 'active', 'created_at'];

/**
 * Every route of the contract, with the fields its request body and its answer must document, and
 * the media type of its answer when it is not JSON.
 */
const RULES = ['minimum_notice_minutes', 'booking_horizon_days', 'buffer_minutes', 'max_active_per_client'];

const CONTRACT: {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  success: string;
  body?: string[];
  response?: string[];
  media?: string;
  /** The success answer has no body. */
  empty?: true;
}[] = [
  { method: 'get', path: '/api', success: '200', response: ['name', 'links'] },
  { method: 'get', path: '/api/hello', success: '200', response: ['message'] },
  { method: 'get', path: '/api/health', success: '200', response: ['status', 'checks'] },
  { method: 'get', path: '/api/health/live', success: '200', response: ['status'] },
  { method: 'get', path: '/api/health/ready', success: '200', response: ['status', 'checks'] },
  { method: 'get', path: '/api/metrics', success: '200', media: 'text/plain' },
  {
    method: 'post',
    path: '/api/providers',
    success: '201',
    body: ['name', 'email', 'phone', 'time_zone'],
    response: ['id', 'name', 'email', 'phone', 'time_zone', 'created_at', ...RULES],
  },
  { method: 'get', path: '/api/providers/{id}', success: '200', response: ['id', 'time_zone', ...RULES] },
  {
    method: 'patch',
    path: '/api/providers/{id}',
    success: '200',
    body: ['name', 'email', 'phone', ...RULES],
    response: ['id', 'name', 'email', 'phone', 'time_zone', ...RULES],
  },
  { method: 'get', path: '/api/providers/{id}/weekly_hours', success: '200', response: ['provider_id', 'time_zone', 'hours'] },
  {
    method: 'put',
    path: '/api/providers/{id}/weekly_hours',
    success: '200',
    body: ['hours'],
    response: ['provider_id', 'time_zone', 'hours'],
  },
  {
    method: 'get',
    path: '/api/providers/{id}/dates/{date}',
    success: '200',
    response: ['provider_id', 'date', 'time_zone', 'windows', 'slots'],
  },
  {
    method: 'put',
    path: '/api/providers/{id}/dates/{date}',
    success: '200',
    body: ['windows'],
    response: ['provider_id', 'date', 'time_zone', 'windows', 'slots'],
  },
  { method: 'delete', path: '/api/providers/{id}/dates/{date}', success: '204', empty: true },
  { method: 'get', path: '/api/providers', success: '200', response: ['items', 'next_cursor'] },
  {
    method: 'post',
    path: '/api/clients',
    success: '201',
    body: ['name', 'email', 'phone'],
    response: ['id', 'name', 'email', 'phone', 'created_at'],
  },
  { method: 'get', path: '/api/clients/{id}', success: '200', response: ['id', 'email'] },
  {
    method: 'get',
    path: '/api/clients/{id}/export',
    success: '200',
    response: ['client', 'appointments', 'queue_entries', 'waitlist', 'deliveries'],
  },
  { method: 'delete', path: '/api/clients/{id}', success: '204', empty: true },
  {
    method: 'post',
    path: '/api/schedule',
    success: '201',
    body: ['date', 'start_time', 'end_time', 'provider_id'],
    response: ['provider_id', 'date', 'time_zone', 'slots'],
  },
  { method: 'get', path: '/api/schedule', success: '200', response: ['provider_id', 'date', 'time_zone', 'slots'] },
  {
    method: 'post',
    path: '/api/client_schedule',
    success: '202',
    body: ['date', 'provider_id', 'client_id', 'client', 'requested_slot', 'duration_minutes'],
    response: ['appointment_id', 'status', 'provider_id', 'client_id', 'date', 'start_time', 'end_time', 'start', 'end', 'expires_at'],
  },
  { method: 'get', path: '/api/book', success: '200', media: 'text/html' },
  { method: 'post', path: '/api/book', success: '202', media: 'text/html' },
  { method: 'get', path: '/api/manage', success: '200', media: 'text/html' },
  { method: 'post', path: '/api/manage/cancel', success: '200', body: ['token', 'reason'], response: ['id', 'status'] },
  {
    method: 'post',
    path: '/api/manage/reschedule',
    success: '200',
    body: ['token', 'date', 'requested_slot'],
    response: ['id', 'status', 'date', 'start_time'],
  },
  { method: 'get', path: '/api/validate', success: '200', media: 'text/html' },
  { method: 'post', path: '/api/validate', success: '200', body: ['token'], response: ['status', 'appointment'] },
  {
    method: 'get',
    path: '/api/appointments/{id}',
    success: '200',
    response: ['id', 'status', 'provider_id', 'client_id', 'date', 'start_time', 'end_time', 'start', 'end'],
  },
  { method: 'get', path: '/api/appointments', success: '200', response: ['items'] },
  {
    method: 'post',
    path: '/api/appointments/{id}/cancel',
    success: '200',
    body: ['reason'],
    response: ['id', 'status', 'cancellation_reason'],
  },
  {
    method: 'post',
    path: '/api/appointments/{id}/reschedule',
    success: '200',
    body: ['date', 'requested_slot', 'duration_minutes'],
    response: ['id', 'status', 'date', 'start_time', 'end_time', 'start', 'end', 'rescheduled_at'],
  },
  { method: 'post', path: '/api/providers/{id}/api_key', success: '200', response: ['id', 'api_key'] },
  { method: 'post', path: '/api/clients/{id}/api_key', success: '200', response: ['id', 'api_key'] },
  { method: 'post', path: '/api/queue/check_in', success: '201', body: ['appointment_id', 'provider_id', 'client_id'], response: ENTRY },
  {
    method: 'get',
    path: '/api/queue',
    success: '200',
    response: ['provider_id', 'date', 'now_serving', 'entries', 'average_service_minutes'],
  },
  { method: 'get', path: '/api/queue/events', success: '200', media: 'text/event-stream' },
  { method: 'get', path: '/api/queue/entries/{entry_id}', success: '200', response: ENTRY },
  { method: 'get', path: '/api/queue/entries/{entry_id}/events', success: '200', media: 'text/event-stream' },
  { method: 'post', path: '/api/queue/next', success: '200', body: ['provider_id'], response: ['completed', 'now_serving'] },
  { method: 'post', path: '/api/queue/entries/{entry_id}/no_show', success: '200', response: ENTRY },
  { method: 'post', path: '/api/queue/entries/{entry_id}/leave', success: '200', response: ENTRY },
  {
    method: 'post',
    path: '/api/waitlist',
    success: '201',
    body: ['provider_id', 'client_id', 'date', 'duration_minutes', 'from_slot', 'to_slot'],
    response: WAITLIST_ENTRY,
  },
  { method: 'get', path: '/api/waitlist', success: '200', response: ['items'] },
  { method: 'get', path: '/api/waitlist/{id}', success: '200', response: WAITLIST_ENTRY },
  { method: 'delete', path: '/api/waitlist/{id}', success: '204', empty: true },
  { method: 'post', path: '/api/queue/entries/{entry_id}/priority', success: '200', body: ['priority'], response: ENTRY },
  { method: 'post', path: '/api/providers/{id}/board', success: '201', response: ['board_url'] },
  { method: 'get', path: '/api/queue/board', success: '200', media: 'text/html' },
  { method: 'get', path: '/api/queue/board/events', success: '200', media: 'text/event-stream' },
  { method: 'get', path: '/api/queue/join', success: '200', media: 'text/html' },
  {
    method: 'post',
    path: '/api/queue/join',
    success: '202',
    body: ['provider_id', 'name', 'phone', 'email'],
    response: ['status', 'provider_id', 'date', 'sent_by', 'expires_at'],
  },
  { method: 'get', path: '/api/queue/join/entry', success: '200', media: 'text/html' },
  { method: 'post', path: '/api/queue/join/entry', success: '200', body: ['token'], response: ENTRY },
  { method: 'get', path: '/api/queue/join/events', success: '200', media: 'text/event-stream' },
  { method: 'get', path: '/api/deliveries', success: '200', response: ['items', 'next_cursor'] },
  { method: 'post', path: '/api/deliveries/{id}/retry', success: '200', response: DELIVERY },
  {
    method: 'post',
    path: '/api/webhooks',
    success: '201',
    body: ['url', 'events', 'provider_id'],
    response: [...WEBHOOK, 'secret'],
  },
  { method: 'get', path: '/api/webhooks', success: '200', response: ['items', 'next_cursor'] },
  { method: 'get', path: '/api/webhooks/{id}', success: '200', response: WEBHOOK },
  { method: 'delete', path: '/api/webhooks/{id}', success: '204', empty: true },
  { method: 'get', path: '/api/webhooks/{id}/deliveries', success: '200', response: ['items', 'next_cursor'] },
  { method: 'post', path: '/api/webhooks/{id}/test', success: '202', response: DELIVERY },
];

describeBackend('OpenAPI document', () => {
  let backend: TestBackend;
  let sut: TestApp;
  let document: {
    openapi: string;
    paths: Record<string, Record<string, any>>;
    components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Record<string, unknown>> };
  };

  beforeAll(async () => {
    backend = await createBackend();
    sut = await startTestApp(backend.env);
    document = (await sut.api.get('/api/docs-json')).body;
  });

  afterAll(async () => {
    await sut?.close();
    await backend?.dispose();
  });

  const resolve = (schema: Schema): Schema =>
    schema.$ref ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;

  it('is OpenAPI 3 and Swagger UI is served', async () => {
    expect(document.openapi).toMatch(/^3\./);
    const ui = await fetch(`${sut.url}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });

  it('is the committed docs/openapi.json', () => {
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    const served = canonicalJson(document);
    if (served !== committed) {
      throw new Error(
        `${relative(process.cwd(), OPENAPI_FILE)} is not the document the app serves: run npm run openapi and commit the file.\n` +
          firstDifference(committed, served),
      );
    }
  });

  it('names its security scheme an API key sent as a bearer token, not a JWT', () => {
    expect(document.components.securitySchemes).toEqual({
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: expect.any(String) },
    });
    const secured = Object.values(document.paths)
      .flatMap((operations) => Object.values(operations))
      .filter((operation) => operation.security);
    expect(secured.length).toBeGreaterThan(0);
    for (const operation of secured) expect(operation.security).toEqual([{ bearer: [] }]);
  });

  it('GET /api answers links to the docs, and each link answers', async () => {
    const index = await sut.anonymous.get('/api');
    expect(index).toMatchObject({ status: 200, body: { links: { docs: '/api/docs', openapi: '/api/docs-json', health: '/api/health' } } });
    expect(index.headers.get('content-type')).toMatch(/^application\/json/);
    for (const link of Object.values(index.body.links as Record<string, string>)) {
      await expect(fetch(sut.url + link).then((response) => response.status)).resolves.toBe(200);
    }
  });

  it.each(CONTRACT.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))(
    'documents %s with its schemas',
    (_name, route) => {
      const operation = document.paths[route.path]?.[route.method];
      expect(operation).toBeDefined();
      expect(operation.summary).toEqual(expect.any(String));
      const success = operation.responses[route.success];
      expect(success).toBeDefined();
      if (route.empty) expect(success.content).toBeUndefined();
      else expect(Object.keys(success.content ?? {})).toContain(route.media ?? 'application/json');
      if (route.body) {
        const schema = resolve(operation.requestBody.content['application/json'].schema);
        expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(route.body));
      }
      if (route.response) {
        const schema = resolve(success.content['application/json'].schema);
        expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(route.response));
      }
    },
  );

  it('leaves no route it serves out of the list above', () => {
    const served = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    );
    const listed = new Set(CONTRACT.map((route) => `${route.method} ${route.path}`));
    expect(served.filter((route) => !listed.has(route))).toEqual([]);
  });

  it('documents error answers as problem+json with their codes', () => {
    const request = document.paths['/api/client_schedule'].post.responses;
    expect(Object.keys(request)).toEqual(expect.arrayContaining(['400', '404', '409', '503']));
    expect(request['409'].content['application/problem+json'].examples).toHaveProperty('SLOT_UNAVAILABLE');
    expect(Object.keys(document.components.schemas.ProblemView.properties ?? {})).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'errors']),
    );
  });

  // Review: a move is decided by the same rules as a request, and answers 422 TOO_SOON / TOO_FAR_AHEAD
  // like one (seen on a running server), but neither reschedule route documents a 422.
  it.each(['/api/appointments/{id}/reschedule', '/api/manage/reschedule'])("documents the booking rules' 422 codes on %s", (path) => {
    const responses = document.paths[path].post.responses;
    expect(responses['422']?.content['application/problem+json'].examples).toEqual(
      expect.objectContaining({ TOO_SOON: expect.anything(), TOO_FAR_AHEAD: expect.anything() }),
    );
  });

  it('gives every property an example', () => {
    const missing = Object.entries(document.components.schemas).flatMap(([name, schema]) =>
      Object.entries((schema.properties ?? {}) as Record<string, { example?: unknown; $ref?: string; type?: string; items?: unknown }>)
        .filter(([, property]) => property.example === undefined && !property.$ref && property.type !== 'array')
        .map(([property]) => `${name}.${property}`),
    );
    expect(missing).toEqual([]);
  });
});

/** Where two texts first part, with a few lines of each around it. */
function firstDifference(committed: string, served: string): string {
  const [was, is] = [committed.split('\n'), served.split('\n')];
  let line = 0;
  while (line < Math.max(was.length, is.length) && was[line] === is[line]) line++;
  const around = (lines: string[]) => lines.slice(Math.max(0, line - 3), line + 4).join('\n');
  return `first difference at line ${line + 1}\n--- committed\n${around(was)}\n+++ served\n${around(is)}`;
}
