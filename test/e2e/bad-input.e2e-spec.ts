import { LoggerService } from '@nestjs/common';
import { accessConfig } from '../../src/config/namespaces';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, publish } from '../support/factories';
import { RawHttpConnection } from '../support/raw-http';
import { startTestApp, TestApp } from '../support/test-app';

/** A request sent byte for byte: HTTP that Node's parser refuses, or a path the router cannot read. */
interface MalformedHttp {
  name: string;
  text: string;
  status: number;
  code: string;
  /** Text of the request the answer must not repeat. */
  secret: string;
  /** Whether the server must hang up after answering: a connection whose framing is lost cannot go on. */
  closes: boolean;
}

interface BadRequest {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** A JSON value, or a raw string sent as is. */
  body?: unknown;
  raw?: string;
  contentType?: string;
  status: number;
  code: string;
  /** The field the problem must name. */
  field?: string;
  /** Words the problem's detail must contain. */
  detail?: string;
  /** Sent without a key (a guest booking, a manage link); otherwise with the administrator's. */
  anonymous?: true;
  /** Headers besides the content type. */
  headers?: Record<string, string>;
}

/** Every route that takes an id in its path. */
const ROUTES_WITH_PATH_IDS: [BadRequest['method'], string][] = [
  ['GET', '/api/providers/:id'],
  ['PATCH', '/api/providers/:id'],
  ['POST', '/api/providers/:id/api_key'],
  ['GET', '/api/providers/:id/weekly_hours'],
  ['PUT', '/api/providers/:id/weekly_hours'],
  ['GET', '/api/providers/:id/dates/2030-01-07'],
  ['PUT', '/api/providers/:id/dates/2030-01-07'],
  ['DELETE', '/api/providers/:id/dates/2030-01-07'],
  ['GET', '/api/clients/:id'],
  ['POST', '/api/clients/:id/api_key'],
  ['GET', '/api/clients/:id/export'],
  ['DELETE', '/api/clients/:id'],
  ['GET', '/api/appointments/:id'],
  ['POST', '/api/appointments/:id/cancel'],
  ['POST', '/api/appointments/:id/reschedule'],
  ['GET', '/api/queue/entries/:id'],
  ['GET', '/api/queue/entries/:id/events'],
  ['POST', '/api/queue/entries/:id/no_show'],
  ['POST', '/api/queue/entries/:id/leave'],
  ['POST', '/api/queue/entries/:id/priority'],
  ['POST', '/api/providers/:id/board'],
  ['POST', '/api/deliveries/:id/retry'],
  ['GET', '/api/waitlist/:id'],
  ['DELETE', '/api/waitlist/:id'],
  ['GET', '/api/webhooks/:id'],
  ['DELETE', '/api/webhooks/:id'],
  ['GET', '/api/webhooks/:id/deliveries'],
  ['POST', '/api/webhooks/:id/test'],
];
/** Spellings that JavaScript's Number() reads as 1, none of them plain digits without a leading zero. */
const LENIENT_IDS = ['1e0', '0x1', '1.0', '%201', '01', '+1', '1%20'];

/** An empty request body as clients send one: `curl -d ''`, fetch's `body: ''`, a stream that ends at once. */
const EMPTY_BODIES: [string, () => RequestInit][] = [
  ['fetch body "" (text/plain;charset=UTF-8)', () => ({ body: '' })],
  ['text/plain, Content-Length 0', () => ({ body: '', headers: { 'content-type': 'text/plain' } })],
  ["a form, as curl -d '' sends it", () => ({ body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
  ['no content type, Content-Length 0', () => ({ headers: {} })],
  ['application/json, Content-Length 0', () => ({ body: '', headers: { 'content-type': 'application/json' } })],
  [
    'application/json, chunked with no chunk',
    () => ({
      body: new ReadableStream({ start: (stream) => stream.close() }),
      duplex: 'half',
      headers: { 'content-type': 'application/json' },
    }),
  ],
  ['application/xml, Content-Length 0', () => ({ body: '', headers: { 'content-type': 'application/xml' } })],
];

/** `{"token":[[[…]]]}`, nested `levels` deep: 4 KB, and no key needed to send it. */
const deeplyNested = (levels: number) => `{"token":${'['.repeat(levels)}${']'.repeat(levels)}}`;

/** Keeps the warnings and errors the app logs; a refused request should log none. */
class ProblemLog implements LoggerService {
  readonly lines: string[] = [];
  log = () => undefined;
  debug = () => undefined;
  verbose = () => undefined;
  warn = (...parts: unknown[]) => this.keep(parts);
  error = (...parts: unknown[]) => this.keep(parts);
  fatal = (...parts: unknown[]) => this.keep(parts);
  private keep(parts: unknown[]): void {
    this.lines.push(parts.map(String).join(' '));
  }
}

/**
 * Malformed requests of every kind. Each must get a 4xx problem+json that names the field, never a
 * 5xx, and change nothing.
 */
describeBackend('bad input', () => {
  let backend: TestBackend;
  let sut: TestApp;
  let providerId: number;
  let clientId: number;
  let date: string;
  const problemLog = new ProblemLog();

  beforeAll(async () => {
    backend = await createBackend();
    sut = await startTestApp(backend.env, { logger: problemLog });
    providerId = (await createProvider(sut.api)).id;
    clientId = (await createClient(sut.api)).id;
    date = futureDate(70);
    await publish(sut.api, providerId, date, '09:00', '10:00');
  });

  afterAll(async () => {
    await sut?.close();
    await backend?.dispose();
  });

  const huge = 'x'.repeat(1024 * 1024);
  // The table is built twice: once when Jest collects the names, and again inside each test, once
  // the provider, client and date it refers to exist.
  const schedule = () => ({ date, start_time: '09:00', end_time: '10:00', provider_id: providerId });
  const request = () => ({ date, provider_id: providerId, client_id: clientId, requested_slot: 36 });
  const guestRequest = (client: unknown) => ({ date, provider_id: providerId, requested_slot: 36, client });
  const guest = { name: 'Grace Hopper', email: 'grace@example.com' };

  const weeklyHours = () => `/api/providers/${providerId}/weekly_hours`;
  const dates = (day: string) => `/api/providers/${providerId}/dates/${day}`;
  const weeklyWindow = (fields: Record<string, unknown> = {}) => ({ weekday: 1, start_time: '09:00', end_time: '10:00', ...fields });
  const weeklyHoursCases = (): BadRequest[] =>
    (
      [
        ['weekday 0', [weeklyWindow({ weekday: 0 })], 'hours.0.weekday'],
        ['weekday 8', [weeklyWindow({ weekday: 8 })], 'hours.0.weekday'],
        ['weekday as text', [weeklyWindow({ weekday: '1' })], 'hours.0.weekday'],
        ['weekday 1.5', [weeklyWindow({ weekday: 1.5 })], 'hours.0.weekday'],
        ['weekday missing', [{ start_time: '09:00', end_time: '10:00' }], 'hours.0.weekday'],
        ['a window off the 15-minute grid', [weeklyWindow({ start_time: '09:10' })], 'hours.0.start_time'],
        ['a window ending off the grid', [weeklyWindow({ end_time: '10:20' })], 'hours.0.end_time'],
        ['a window ending past 24:00', [weeklyWindow({ end_time: '24:15' })], 'hours.0.end_time'],
        ['a window ending before it starts', [weeklyWindow({ start_time: '10:00', end_time: '09:00' })], 'hours.0.end_time'],
        ['a window ending as it starts', [weeklyWindow({ start_time: '10:00', end_time: '10:00' })], 'hours.0.end_time'],
        ['a window starting at 24:00', [weeklyWindow({ start_time: '24:00', end_time: '24:00' })], 'hours.0.start_time'],
        [
          'the second window ending before it starts',
          [weeklyWindow(), weeklyWindow({ start_time: '12:00', end_time: '11:00' })],
          'hours.1.end_time',
        ],
        ['an unknown field in a window', [weeklyWindow({ day: 'monday' })], 'hours.0.day'],
        ['a window that is a number', [1], 'hours.0'],
        ['a window that is a list', [[weeklyWindow()]], 'hours.0'],
        ['a null window', [null], 'hours.0'],
        ['hours as text', 'monday 9 to 5', 'hours'],
        ['hours as an object', weeklyWindow(), 'hours'],
        ['hours null', null, 'hours'],
        ['more windows than slots in a week', Array.from({ length: 673 }, () => weeklyWindow()), 'hours'],
      ] as const
    ).map(([name, hours, field]) => ({
      name: `weekly hours: ${name}`,
      method: 'PUT',
      path: weeklyHours(),
      body: { hours },
      status: 400,
      code: 'VALIDATION_FAILED',
      field,
    }));
  const dateOverrideCases = (): BadRequest[] => [
    ...(
      [
        ['a window off the 15-minute grid', [{ start_time: '10:05', end_time: '11:00' }], 'windows.0.start_time'],
        ['a window ending before it starts', [{ start_time: '11:00', end_time: '10:00' }], 'windows.0.end_time'],
        ['a window in 12-hour time', [{ start_time: '9:00 AM', end_time: '10:00' }], 'windows.0.start_time'],
        ['windows missing', undefined, 'windows'],
        ['more windows than slots in a day', Array.from({ length: 97 }, () => ({ start_time: '09:00', end_time: '10:00' })), 'windows'],
      ] as const
    ).map(([name, windows, field]): BadRequest => ({
      name: `date override: ${name}`,
      method: 'PUT',
      path: dates(futureDate(71)),
      body: windows === undefined ? {} : { windows },
      status: 400,
      code: 'VALIDATION_FAILED',
      field,
    })),
    ...(
      [
        ['PUT', 'an impossible date', '2027-02-30'],
        ['PUT', 'a date in another format', '28-07-2027'],
        ['PUT', 'a word for a date', 'tomorrow'],
        ['PUT', 'a month 13', '2027-13-01'],
        ['PUT', "a date before the provider's today", futureDate(-1)],
        ['PUT', 'a date years ago', '2020-01-06'],
        ['GET', 'an impossible date', '2027-02-29'],
        ['GET', 'a date with a time', '2027-03-01T00:00'],
        ['DELETE', 'an impossible date', '2027-04-31'],
        ['DELETE', 'a percent-encoded date', '2027%2D03%2D01x'],
      ] as const
    ).map(([method, name, day]): BadRequest => ({
      name: `${method} date override: ${name} in the path`,
      method,
      path: dates(day),
      body: method === 'PUT' ? { windows: [{ start_time: '09:00', end_time: '10:00' }] } : undefined,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    })),
  ];
  const bookingRuleCases = (): BadRequest[] =>
    (
      [
        ['buffer off the 15-minute step', { buffer_minutes: 10 }, 'buffer_minutes'],
        ['buffer over 120', { buffer_minutes: 135 }, 'buffer_minutes'],
        ['buffer below 0', { buffer_minutes: -15 }, 'buffer_minutes'],
        ['buffer null', { buffer_minutes: null }, 'buffer_minutes'],
        ['horizon 0', { booking_horizon_days: 0 }, 'booking_horizon_days'],
        ['horizon 731', { booking_horizon_days: 731 }, 'booking_horizon_days'],
        ['horizon as text', { booking_horizon_days: '60' }, 'booking_horizon_days'],
        ['notice below 0', { minimum_notice_minutes: -1 }, 'minimum_notice_minutes'],
        ['notice over 30 days', { minimum_notice_minutes: 43_201 }, 'minimum_notice_minutes'],
        ['notice a fraction', { minimum_notice_minutes: 1.5 }, 'minimum_notice_minutes'],
        ['notice huge', { minimum_notice_minutes: 1e308 }, 'minimum_notice_minutes'],
        ['cap 0', { max_active_per_client: 0 }, 'max_active_per_client'],
        ['cap 1001', { max_active_per_client: 1001 }, 'max_active_per_client'],
        ['a bad email', { email: 'not-an-email' }, 'email'],
        ['a null name', { name: null }, 'name'],
        ['a phone not in E.164', { phone: '555-0123' }, 'phone'],
        ['a time zone (not changeable)', { time_zone: 'Europe/Paris' }, 'time_zone'],
        ['an API key', { api_key: 'prv_x' }, 'api_key'],
      ] as const
    ).map(([name, fields, field]) => ({
      name: `PATCH provider: ${name}`,
      method: 'PATCH',
      path: `/api/providers/${providerId}`,
      // A valid change beside the bad one: it must not be written either.
      body: { name: 'Changed By A Refused Patch', ...fields },
      status: 400,
      code: 'VALIDATION_FAILED',
      field,
    }));

  const waitlistEntry = (fields: Record<string, unknown> = {}) => ({ provider_id: providerId, client_id: clientId, date, ...fields });
  const waitlistCases = (): BadRequest[] =>
    (
      [
        ['a reversed window', { from_slot: 41, to_slot: 40 }, 'to_slot'],
        ['a window ending where it starts', { from_slot: 40, to_slot: 40 }, 'to_slot'],
        ['a window too short for the duration', { from_slot: 40, to_slot: 41, duration_minutes: 30 }, 'duration_minutes'],
        ['a duration longer than the rest of the day', { from_slot: 90, duration_minutes: 120 }, 'duration_minutes'],
        ['from_slot below 0', { from_slot: -1 }, 'from_slot'],
        ['from_slot 96', { from_slot: 96, to_slot: 96 }, 'from_slot'],
        ['to_slot past the end of the day', { to_slot: 97 }, 'to_slot'],
        ['to_slot 0', { to_slot: 0 }, 'to_slot'],
        ['to_slot null', { to_slot: null }, 'to_slot'],
        ['from_slot as text', { from_slot: '36' }, 'from_slot'],
        ['from_slot a fraction', { from_slot: 36.5 }, 'from_slot'],
        ['a duration off the 15-minute step', { duration_minutes: 20 }, 'duration_minutes'],
        ['a duration over 240', { duration_minutes: 255 }, 'duration_minutes'],
        ['a date before the provider’s today', { date: futureDate(-1) }, 'date'],
        ['an impossible date', { date: '2027-02-30' }, 'date'],
        ['an unknown field', { window: '09:00-12:00' }, 'window'],
        ['client_id missing', { client_id: undefined }, 'client_id'],
      ] as const
    ).map(([name, fields, field]) => ({
      name: `waitlist: ${name}`,
      method: 'POST',
      path: '/api/waitlist',
      body: waitlistEntry(fields),
      status: 400,
      code: 'VALIDATION_FAILED',
      field,
    }));

  // Public addresses only (WEBHOOK_ALLOW_PRIVATE is unset here); a name under .invalid never resolves.
  const hook = (fields: Record<string, unknown>) => ({ url: 'https://hooks.scheduler.invalid/x', events: ['ping'], ...fields });
  const webhookCases = (): BadRequest[] => [
    ...(
      [
        ['url not a URL', { url: 'hooks.example.com/x' }, 'url'],
        ['url a number', { url: 42 }, 'url'],
        ['url null', { url: null }, 'url'],
        ['url missing', { url: undefined }, 'url'],
        ['url ftp', { url: 'ftp://hooks.example.com/x' }, 'url'],
        ['url file', { url: 'file:///etc/passwd' }, 'url'],
        ['url over 2048 characters', { url: `https://hooks.example.com/${'a'.repeat(2048)}` }, 'url'],
        ['url of 10 kB', { url: `https://hooks.example.com/${'a'.repeat(10_000)}` }, 'url'],
        ['url on loopback', { url: 'http://127.0.0.1:8080/x' }, 'url'],
        ['url on a private address', { url: 'http://10.1.2.3/x' }, 'url'],
        ['url on the metadata address', { url: 'http://169.254.169.254/latest/meta-data/' }, 'url'],
        ['url on IPv6 loopback', { url: 'http://[::1]/x' }, 'url'],
        ['url on a unique-local IPv6 address', { url: 'http://[fd00::1]/x' }, 'url'],
        ['url on CGNAT space', { url: 'http://100.64.0.1/x' }, 'url'],
        ['url on localhost', { url: 'http://localhost/x' }, 'url'],
        ['url on loopback written as a number', { url: 'http://2130706433/x' }, 'url'],
        ['events empty', { events: [] }, 'events'],
        ['events missing', { events: undefined }, 'events'],
        ['events not a list', { events: 'ping' }, 'events'],
        ['events with an unknown name', { events: ['ping', 'appointment.exploded'] }, 'events'],
        ['events with a number', { events: [1] }, 'events'],
        ['events too many', { events: Array(17).fill('ping') }, 'events'],
        ['provider_id zero', { provider_id: 0 }, 'provider_id'],
        ['provider_id as text', { provider_id: '1' }, 'provider_id'],
        ['provider_id null', { provider_id: null }, 'provider_id'],
        ['an unknown field', { secret: 'whsec_mine' }, 'secret'],
      ] as const
    ).map(([label, fields, field]): BadRequest => ({
      name: `webhook ${label}`,
      method: 'POST',
      path: '/api/webhooks',
      body: hook(fields),
      status: 400,
      code: 'VALIDATION_FAILED',
      field,
    })),
    {
      name: 'webhook deliveries with a bad status',
      method: 'GET',
      path: '/api/webhooks/1/deliveries?status=lost',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'status',
    },
    { name: 'webhooks with limit 0', method: 'GET', path: '/api/webhooks?limit=0', status: 400, code: 'VALIDATION_FAILED', field: 'limit' },
  ];
  const cases = (): BadRequest[] => [
    // Body shape
    {
      name: 'malformed JSON',
      method: 'POST',
      path: '/api/schedule',
      raw: '{"date": ',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'body',
    },
    { name: 'JSON array body', method: 'POST', path: '/api/schedule', body: [schedule()], status: 400, code: 'VALIDATION_FAILED' },
    { name: 'JSON string body', method: 'POST', path: '/api/schedule', raw: '"hello"', status: 400, code: 'VALIDATION_FAILED' },
    { name: 'JSON null body', method: 'POST', path: '/api/schedule', raw: 'null', status: 400, code: 'VALIDATION_FAILED' },
    { name: 'missing body', method: 'POST', path: '/api/schedule', status: 400, code: 'VALIDATION_FAILED', field: 'date' },
    {
      name: 'empty object',
      method: 'POST',
      path: '/api/client_schedule',
      body: {},
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'requested_slot',
    },
    {
      name: 'unknown field',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), provider: 1 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider',
    },
    {
      name: 'typo in a field name',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), requested_slott: 36 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'requested_slott',
    },
    {
      name: '1 MB string',
      method: 'POST',
      path: '/api/providers',
      body: { name: huge, email: 'a@b.co' },
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'XML content type',
      method: 'POST',
      path: '/api/schedule',
      raw: '<date/>',
      contentType: 'application/xml',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      detail: 'Content-Type: application/json',
    },
    {
      name: 'JSON sent as text/plain',
      method: 'POST',
      path: '/api/providers',
      raw: '{"name":"A","email":"tp@x.co"}',
      contentType: 'text/plain',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      detail: 'Content-Type: application/json',
    },
    {
      name: 'JSON sent as a form (curl -d without -H)',
      method: 'POST',
      path: '/api/clients',
      raw: '{"name":"A","email":"form@x.co"}',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      detail: 'Content-Type: application/json',
    },
    {
      name: 'a form on a JSON-only route',
      method: 'POST',
      path: '/api/schedule',
      raw: 'date=2026-07-28&start_time=09:00',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      detail: 'Content-Type: application/json',
    },
    {
      name: 'a form on the validation route, which takes one from its page',
      method: 'POST',
      path: '/api/validate',
      raw: 'token=not.a.jwt',
      contentType: 'application/x-www-form-urlencoded',
      status: 401,
      code: 'TOKEN_INVALID',
    },
    {
      name: 'a form with a __proto__ field',
      method: 'POST',
      path: '/api/validate',
      raw: '__proto__=x&token=not.a.jwt',
      contentType: 'application/x-www-form-urlencoded',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'body',
    },
    {
      name: 'a JSON body with a __proto__ field',
      method: 'POST',
      path: '/api/validate',
      raw: '{"__proto__":{"admin":true},"token":"x"}',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'body',
    },
    {
      name: 'a token nested 2,000 levels deep',
      method: 'POST',
      path: '/api/validate',
      raw: deeplyNested(2_000),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'body',
    },
    {
      name: 'a token nested 33 levels deep',
      method: 'POST',
      path: '/api/validate',
      raw: deeplyNested(32),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'body',
    },
    {
      name: 'a token nested 32 levels deep, which validation judges',
      method: 'POST',
      path: '/api/validate',
      raw: deeplyNested(31),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'token',
    },
    {
      name: 'a schedule nested 20,000 levels deep',
      method: 'POST',
      path: '/api/schedule',
      raw: `{"date":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'body',
    },
    // Schedule
    {
      name: 'date that does not exist',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), date: '2026-02-30' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    {
      name: 'date in another format',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), date: '28/07/2026' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    {
      name: 'date as a number',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), date: 20260728 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    {
      name: 'month 13',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), date: '2026-13-01' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    {
      name: 'time off the 15-minute grid',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), start_time: '09:10' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'start_time',
    },
    {
      name: 'time past 24:00',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), end_time: '24:15' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'end_time',
    },
    {
      name: 'minutes 60',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), start_time: '09:60' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'start_time',
    },
    {
      name: 'time without leading zero',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), start_time: '9:00' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'start_time',
    },
    {
      name: 'end before start',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), start_time: '10:00', end_time: '09:00' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'end_time',
    },
    {
      name: 'empty window',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), start_time: '10:00', end_time: '10:00' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'end_time',
    },
    {
      name: 'provider id as a string',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), provider_id: '124' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'provider id huge',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), provider_id: 1e308 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'provider id past the integer range',
      method: 'POST',
      path: '/api/schedule',
      raw: JSON.stringify(schedule()).replace(/"provider_id":\d+/, '"provider_id":123456789012345678901234567890'),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'provider id negative',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), provider_id: -1 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'provider id fractional',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), provider_id: 1.5 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'provider id as an object',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), provider_id: { $gt: 0 } },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'unknown provider',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), provider_id: 2_000_000_000 },
      status: 404,
      code: 'PROVIDER_NOT_FOUND',
    },
    // Appointment requests
    {
      name: 'slot index 96',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), requested_slot: 96 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'requested_slot',
    },
    {
      name: 'slot index -1',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), requested_slot: -1 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'requested_slot',
    },
    {
      name: 'slot index as a string',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), requested_slot: '36' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'requested_slot',
    },
    {
      name: 'slot index null',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), requested_slot: null },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'requested_slot',
    },
    {
      name: 'duration off the step',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), duration_minutes: 20 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'duration_minutes',
    },
    {
      name: 'duration zero',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), duration_minutes: 0 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'duration_minutes',
    },
    {
      name: 'duration over 240',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), duration_minutes: 255 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'duration_minutes',
    },
    {
      name: 'client id boolean',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), client_id: true },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'client_id',
    },
    {
      name: 'request date 2026-02-29',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), date: '2026-02-29' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    {
      name: 'duration null',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...request(), duration_minutes: null },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'duration_minutes',
      detail: 'duration_minutes must not be null',
    },
    {
      name: "publishing a day before the provider's today",
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), date: futureDate(-1) },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    {
      name: 'publishing a day years ago',
      method: 'POST',
      path: '/api/schedule',
      body: { ...schedule(), date: '2020-01-06' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    // Providers and clients
    {
      name: 'provider without email',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'A' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    {
      name: 'provider bad email',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'A', email: 'not-an-email' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    {
      name: 'provider unknown time zone',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'A', email: 'tz@x.co', time_zone: 'Mars/Olympus' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'time_zone',
    },
    {
      name: 'provider time zone null',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'A', email: 'tzn@x.co', time_zone: null },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'time_zone',
      detail: 'time_zone must not be null',
    },
    {
      name: 'provider phone null',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'A', email: 'phn@x.co', phone: null },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'phone',
      detail: 'phone must not be null',
    },
    {
      name: 'client phone null',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'C', email: 'phn@x.co', phone: null },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'phone',
      detail: 'phone must not be null',
    },
    {
      name: 'provider phone not E.164',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'A', email: 'ph@x.co', phone: '0612345678' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'phone',
    },
    {
      name: 'provider empty name',
      method: 'POST',
      path: '/api/providers',
      body: { name: '', email: 'e@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'provider name too long',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'n'.repeat(201), email: 'l@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'client phone with letters',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'C', email: 'c@x.co', phone: '+1415CALLME' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'phone',
    },
    {
      name: 'client email as an array',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'C', email: ['c@x.co'] },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    // Addresses: plain local@domain only. The first two were accepted and sent the booking link, or
    // calendar lines, elsewhere.
    {
      name: 'client email with a Bcc header in a quoted local part',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'V', email: '"x\r\nBcc: evil2@evil.example\r\nX-Inj: 2"@example.com' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    {
      name: 'client email with calendar lines in a quoted local part',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'V', email: '"x\r\nATTENDEE:mailto:evil3@evil.example\r\nURL:http://evil.example"@example.com' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    {
      name: 'client email with a plain quoted local part',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'V', email: '"grace"@example.com' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    {
      name: 'client email with a display name',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'V', email: 'Grace <grace@example.com>' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    {
      name: 'client email listing two addresses',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'V', email: 'grace@example.com,evil@evil.example' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    {
      name: 'provider email with a space',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'V', email: 'ada lovelace@clinic.example' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    {
      name: 'provider email with an IP literal',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'V', email: 'ada@[127.0.0.1]' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'email',
    },
    // Names: 1 to 200 characters, one visible at least, no control character.
    {
      name: 'client name with a NUL',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'Gra\u0000ce', email: 'nul@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'provider name with a NUL',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'Dr.\u0000', email: 'nul@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'client name of zero-width spaces only',
      method: 'POST',
      path: '/api/clients',
      body: { name: '\u200b\u200b', email: 'zw@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'provider name of spaces only',
      method: 'POST',
      path: '/api/providers',
      body: { name: '   ', email: 'sp@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'client name with a header in it',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'Eve\r\nBcc: evil@evil.example', email: 'hdr@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'client name with a right-to-left override',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'Grace \u202eesoJ', email: 'rlo@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'provider name with a left-to-right isolate',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'Dr. \u2066Ada\u2069', email: 'lri@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'client name with a line separator',
      method: 'POST',
      path: '/api/clients',
      body: { name: 'Eve\u2028Bcc: evil@evil.example', email: 'ls@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'provider name of 201 emoji',
      method: 'POST',
      path: '/api/providers',
      body: { name: '😀'.repeat(201), email: 'emoji@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'client name as a number',
      method: 'POST',
      path: '/api/clients',
      body: { name: 42, email: 'num@x.co' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'name',
    },
    {
      name: 'provider time zone that only looks like one',
      method: 'POST',
      path: '/api/providers',
      body: { name: 'A', email: 'tz2@x.co', time_zone: '+01:00' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'time_zone',
    },
    // Weekly hours, date overrides and booking rules
    ...weeklyHoursCases(),
    ...dateOverrideCases(),
    ...bookingRuleCases(),
    ...waitlistCases(),
    {
      name: 'waitlist list with a bad date',
      method: 'GET',
      path: '/api/waitlist?date=2027-13-01',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    ...webhookCases(),
    // Queries and paths
    {
      name: 'listing without provider',
      method: 'GET',
      path: `/api/schedule?date=2026-07-28`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'listing with a bad date',
      method: 'GET',
      path: `/api/schedule?provider_id=1&date=2026-02-31`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    {
      name: 'listing with letters as id',
      method: 'GET',
      path: `/api/schedule?provider_id=abc&date=2026-07-28`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'listing duration off the step',
      method: 'GET',
      path: `/api/schedule?provider_id=1&date=2026-07-28&duration_minutes=25`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'duration_minutes',
    },
    {
      name: 'listing with an unknown parameter',
      method: 'GET',
      path: `/api/schedule?provider_id=1&date=2026-07-28&debug=1`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'debug',
    },
    {
      name: 'listing an unknown provider',
      method: 'GET',
      path: `/api/schedule?provider_id=99999&date=2026-07-28`,
      status: 404,
      code: 'PROVIDER_NOT_FOUND',
    },
    {
      name: 'provider id in path not a number',
      method: 'GET',
      path: '/api/providers/abc',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'id',
    },
    {
      name: 'provider id in path too large',
      method: 'GET',
      path: '/api/providers/99999999999999999999',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'id',
    },
    { name: 'appointment id zero', method: 'GET', path: '/api/appointments/0', status: 400, code: 'VALIDATION_FAILED', field: 'id' },
    ...ROUTES_WITH_PATH_IDS.flatMap(([method, route]) =>
      LENIENT_IDS.map((id): BadRequest => ({
        name: `${method} ${route} with id ${id}`,
        method,
        path: route.replace(':id', id),
        status: 400,
        code: 'VALIDATION_FAILED',
        field: 'id',
      })),
    ),
    {
      name: 'listing with a provider id in hexadecimal',
      method: 'GET',
      path: `/api/schedule?provider_id=0x1&date=2026-07-28`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'listing with a provider id in exponent form',
      method: 'GET',
      path: `/api/schedule?provider_id=1e0&date=2026-07-28`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'listing with a provider id with a leading zero',
      method: 'GET',
      path: `/api/schedule?provider_id=01&date=2026-07-28`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
    },
    {
      name: 'listing duration in exponent form',
      method: 'GET',
      path: `/api/schedule?provider_id=1&date=2026-07-28&duration_minutes=3e1`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'duration_minutes',
    },
    {
      name: 'page size with a decimal point',
      method: 'GET',
      path: '/api/providers?limit=2.0',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'limit',
    },
    { name: 'page size 0', method: 'GET', path: '/api/providers?limit=0', status: 400, code: 'VALIDATION_FAILED', field: 'limit' },
    {
      name: 'page cursor with symbols',
      method: 'GET',
      path: '/api/providers?cursor=%27%20OR%201%3D1',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'cursor',
    },
    {
      name: 'appointments by a bad date',
      method: 'GET',
      path: '/api/appointments?date=yesterday',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    { name: 'unknown route', method: 'GET', path: '/api/nothing-here', status: 404, code: 'NOT_FOUND' },
    {
      name: 'a text body to an unknown route',
      method: 'POST',
      path: '/api/nothing-here',
      raw: 'hello',
      contentType: 'text/plain',
      status: 404,
      code: 'NOT_FOUND',
    },
    // Cancellation reasons and reschedules: refused before any appointment is looked at
    ...(
      [
        ['over 500 characters', 'r'.repeat(501)],
        ['empty', ''],
        ['only spaces and line breaks', ' \r\n '],
        ['null', null],
        ['a number', 42],
        ['a list', ['ill']],
        ['a NUL', 'ill\u0000'],
        ['an escape character', 'ill\u001b[2J'],
        ['a right-to-left override', 'ill\u202e'],
      ] as const
    ).map(([what, reason]): BadRequest => ({
      name: `cancellation reason ${what}`,
      method: 'POST',
      path: '/api/appointments/1/cancel',
      body: { reason },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'reason',
    })),
    {
      name: 'cancellation with an unknown field',
      method: 'POST',
      path: '/api/appointments/1/cancel',
      body: { reasons: 'ill' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'reasons',
    },
    {
      name: 'reschedule without a body',
      method: 'POST',
      path: '/api/appointments/1/reschedule',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
    },
    ...(
      [
        ['an impossible date', { date: '2026-02-30', requested_slot: 40 }, 'date'],
        ['a slot past the day', { date: '2026-07-28', requested_slot: 96 }, 'requested_slot'],
        ['a negative slot', { date: '2026-07-28', requested_slot: -1 }, 'requested_slot'],
        ['a slot as text', { date: '2026-07-28', requested_slot: '40' }, 'requested_slot'],
        ['a duration off the 15-minute step', { date: '2026-07-28', requested_slot: 40, duration_minutes: 20 }, 'duration_minutes'],
        ['a duration over 240', { date: '2026-07-28', requested_slot: 40, duration_minutes: 255 }, 'duration_minutes'],
        ['a null duration', { date: '2026-07-28', requested_slot: 40, duration_minutes: null }, 'duration_minutes'],
        ['another provider named in the body', { date: '2026-07-28', requested_slot: 40, provider_id: 2 }, 'provider_id'],
      ] as const
    ).map(([what, body, field]): BadRequest => ({
      name: `reschedule with ${what}`,
      method: 'POST',
      path: '/api/appointments/1/reschedule',
      body,
      status: 400,
      code: 'VALIDATION_FAILED',
      field,
    })),
    // Guest bookings (no key) and manage links
    ...(
      [
        ['guest email with a display name', { ...guest, email: 'Grace <grace@example.com>' }, 'client.email'],
        ['guest email with a quoted local part', { ...guest, email: '"grace hopper"@example.com' }, 'client.email'],
        ['guest email of 300 characters', { ...guest, email: `${'g'.repeat(290)}@example.com` }, 'client.email'],
        ['guest email missing', { name: 'Grace' }, 'client.email'],
        ['guest name blank', { ...guest, name: '   ' }, 'client.name'],
        ['guest name with a NUL', { ...guest, name: 'Gr\u0000ace' }, 'client.name'],
        ['guest phone not E.164', { ...guest, phone: '0612345678' }, 'client.phone'],
        ['guest phone null', { ...guest, phone: null }, 'client.phone'],
        ['unknown field in the guest', { ...guest, nickname: 'G' }, 'client.nickname'],
        ['guest as a string', 'grace@example.com', 'client'],
        ['guest null', null, 'client'],
        ['guest as a list', [guest], 'client'],
      ] as const
    ).map(([name, client, field]): BadRequest => ({
      name,
      method: 'POST',
      path: '/api/client_schedule',
      body: guestRequest(client),
      status: 400,
      code: 'VALIDATION_FAILED',
      field,
      anonymous: true,
    })),
    {
      name: 'guest and client_id together',
      method: 'POST',
      path: '/api/client_schedule',
      body: { ...guestRequest(guest), client_id: clientId },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'client',
      anonymous: true,
    },
    {
      name: 'a guest with a key',
      method: 'POST',
      path: '/api/client_schedule',
      body: guestRequest(guest),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'client',
    },
    {
      name: 'manage cancel without token',
      method: 'POST',
      path: '/api/manage/cancel',
      body: { reason: 'ill' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'token',
      anonymous: true,
    },
    {
      name: 'manage cancel reason over 500 characters',
      method: 'POST',
      path: '/api/manage/cancel',
      body: { token: 'not.a.jwt', reason: 'r'.repeat(501) },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'reason',
      anonymous: true,
    },
    {
      name: 'manage cancel garbage token',
      method: 'POST',
      path: '/api/manage/cancel',
      body: { token: 'not.a.jwt' },
      status: 401,
      code: 'TOKEN_INVALID',
      anonymous: true,
    },
    {
      name: 'manage reschedule slot as text in JSON',
      method: 'POST',
      path: '/api/manage/reschedule',
      body: { token: 'not.a.jwt', date, requested_slot: '36' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'requested_slot',
      anonymous: true,
    },
    {
      name: 'manage reschedule date 2026-02-30',
      method: 'POST',
      path: '/api/manage/reschedule',
      body: { token: 'not.a.jwt', date: '2026-02-30', requested_slot: 36 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'date',
      anonymous: true,
    },
    {
      name: 'manage reschedule with a duration',
      method: 'POST',
      path: '/api/manage/reschedule',
      body: { token: 'not.a.jwt', date, requested_slot: 36, duration_minutes: 30 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'duration_minutes',
      anonymous: true,
    },
    // Queue priority and display boards
    {
      name: 'priority of an unknown entry',
      method: 'POST',
      path: '/api/queue/entries/999999/priority',
      body: { priority: true },
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'priority as text',
      method: 'POST',
      path: '/api/queue/entries/999999/priority',
      body: { priority: 'true' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'priority',
    },
    {
      name: 'priority missing',
      method: 'POST',
      path: '/api/queue/entries/999999/priority',
      body: {},
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'priority',
    },
    {
      name: 'board of an unknown provider',
      method: 'POST',
      path: '/api/providers/999999/board',
      status: 404,
      code: 'PROVIDER_NOT_FOUND',
    },
    {
      name: 'board page with a wrong key',
      method: 'GET',
      path: `/api/queue/board?provider_id=${providerId}&key=brd_wrong`,
      status: 401,
      code: 'UNAUTHENTICATED',
      anonymous: true,
    },
    {
      name: 'board stream with a wrong key',
      method: 'GET',
      path: `/api/queue/board/events?provider_id=${providerId}&key=brd_wrong`,
      status: 401,
      code: 'UNAUTHENTICATED',
      anonymous: true,
    },
    {
      name: 'board page without a key',
      method: 'GET',
      path: `/api/queue/board?provider_id=${providerId}`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'key',
      anonymous: true,
    },
    {
      name: 'board page with a key of 1,000 characters',
      method: 'GET',
      path: `/api/queue/board?provider_id=${providerId}&key=${'k'.repeat(1000)}`,
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'key',
      anonymous: true,
    },
    // Remote join of the queue (no key): one of phone and email, a name, a provider; the link's token
    ...(
      [
        ['join without phone or email', { name: 'Remote' }, 'phone'],
        ['join without phone or email names email too', { name: 'Remote' }, 'email'],
        ['join with phone and email both empty', { name: 'Remote', phone: '', email: '' }, 'email'],
        ['join name of 201 characters', { name: 'n'.repeat(201), email: 'remote@example.com' }, 'name'],
        ['join name blank', { name: '   ', email: 'remote@example.com' }, 'name'],
        ['join name with a NUL', { name: 'Re\u0000mote', email: 'remote@example.com' }, 'name'],
        ['join phone not E.164', { name: 'Remote', phone: '0612345678' }, 'phone'],
        ['join phone as a number', { name: 'Remote', phone: 14155550100 }, 'phone'],
        ['join email with a display name', { name: 'Remote', email: 'Remote <remote@example.com>' }, 'email'],
        ['join with an unknown field', { name: 'Remote', email: 'remote@example.com', client_id: 1 }, 'client_id'],
      ] as const
    ).map(([name, fields, field]): BadRequest => ({
      name,
      method: 'POST',
      path: '/api/queue/join',
      body: { provider_id: providerId, ...fields },
      status: 400,
      code: 'VALIDATION_FAILED',
      field,
      anonymous: true,
    })),
    {
      name: 'join provider_id as text in JSON',
      method: 'POST',
      path: '/api/queue/join',
      body: { provider_id: String(providerId), name: 'Remote', email: 'remote@example.com' },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'provider_id',
      anonymous: true,
    },
    {
      name: 'join an unknown provider',
      method: 'POST',
      path: '/api/queue/join',
      body: { provider_id: 999_999, name: 'Remote', email: 'remote@example.com' },
      status: 404,
      code: 'PROVIDER_NOT_FOUND',
      anonymous: true,
    },
    {
      name: 'join link pressed without token',
      method: 'POST',
      path: '/api/queue/join/entry',
      body: {},
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'token',
      anonymous: true,
    },
    {
      name: 'join link pressed with a garbage token',
      method: 'POST',
      path: '/api/queue/join/entry',
      body: { token: 'not.a.jwt' },
      status: 401,
      code: 'TOKEN_INVALID',
      anonymous: true,
    },
    {
      name: 'join events without token',
      method: 'GET',
      path: '/api/queue/join/events',
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'token',
      anonymous: true,
    },
    // Validation tokens
    {
      name: 'validate without token',
      method: 'POST',
      path: '/api/validate',
      body: {},
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'token',
    },
    {
      name: 'validate garbage token',
      method: 'POST',
      path: '/api/validate',
      body: { token: 'not.a.jwt' },
      status: 401,
      code: 'TOKEN_INVALID',
    },
    {
      name: 'validate token as a number',
      method: 'POST',
      path: '/api/validate',
      body: { token: 12 },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'token',
    },
    {
      name: 'validate token too long',
      method: 'POST',
      path: '/api/validate',
      body: { token: 'a'.repeat(5000) },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'token',
    },
    ...(
      [
        ['empty', '', '/api/providers', { name: 'Keyed', email: 'keyed-empty@clinic.test' }],
        ['over 255 characters', 'k'.repeat(256), '/api/clients', { name: 'Keyed', email: 'keyed-long@mail.test' }],
        ['with a space', 'two words', '/api/providers', { name: 'Keyed', email: 'keyed-space@clinic.test' }],
        ['not ASCII', 'clé', '/api/clients', { name: 'Keyed', email: 'keyed-accent@mail.test' }],
        ['with a tab', 'a\tb', '/api/queue/check_in', { appointment_id: 1 }],
      ] as const
    ).map(([label, key, path, body]): BadRequest => ({
      name: `Idempotency-Key ${label}`,
      method: 'POST',
      path,
      body,
      headers: { 'idempotency-key': key },
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'Idempotency-Key',
    })),
  ];

  it('has a table of at least 40 malformed requests', () => {
    expect(cases().length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases().map((c, index) => [c.name, index] as const))('%s → 4xx problem+json', async (_name, index) => {
    const c = cases()[index];
    const response = await (c.anonymous ? sut.anonymous : sut.api).raw(
      c.method,
      c.path,
      c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body)),
      { ...(c.raw !== undefined || c.body !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}), ...c.headers },
    );
    expect(response.status).toBe(c.status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: c.status, code: c.code, title: expect.any(String), type: expect.any(String) });
    if (c.field) expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(c.field);
    if (c.detail) expect(response.body.detail).toContain(c.detail);
    expect(response.text).not.toMatch(/QueryFailedError|SELECT |INSERT |at .*\.ts:\d+/);
  });

  // Each POST would create a provider, were it read leniently; "changed nothing" below checks that none was.
  // Built twice, like the table above: the key exists only once the app runs.
  const malformed = (): MalformedHttp[] => {
    const head = (path: string, ...lines: string[]) => [`${path} HTTP/1.1`, 'Host: 127.0.0.1', ...lines].join('\r\n');
    const auth = `Authorization: Bearer ${sut?.config(accessConfig).adminApiKey}`;
    const provider = JSON.stringify({ name: 'Lenient', email: 'lenient@x.co' });
    return [
      {
        name: 'a path with a percent-encoded byte that is not UTF-8',
        text: head('GET /api/appointments/%ff-secret-path') + '\r\n\r\n',
        status: 400,
        code: 'VALIDATION_FAILED',
        secret: 'secret-path',
        closes: false,
      },
      {
        name: 'a path part over 100 characters',
        text: head(`GET /api/appointments/${'7'.repeat(150)}`) + '\r\n\r\n',
        status: 414,
        code: 'PAYLOAD_TOO_LARGE',
        secret: '7'.repeat(150),
        closes: false,
      },
      {
        name: 'a control character in a header',
        text: head('GET /api/hello', 'X-Note: secret-note\x01') + '\r\n\r\n',
        status: 400,
        code: 'VALIDATION_FAILED',
        secret: 'secret-note',
        closes: true,
      },
      {
        name: 'a chunk size that is not hexadecimal',
        text:
          head('POST /api/providers', auth, 'Content-Type: application/json', 'Transfer-Encoding: chunked') +
          `\r\n\r\nzz\r\n${provider}\r\n0\r\n\r\n`,
        status: 400,
        code: 'VALIDATION_FAILED',
        secret: 'Lenient',
        closes: true,
      },
      {
        name: 'two Content-Length headers',
        text:
          head('POST /api/providers', auth, 'Content-Type: application/json', `Content-Length: ${provider.length}`, 'Content-Length: 2') +
          `\r\n\r\n${provider}`,
        status: 400,
        code: 'VALIDATION_FAILED',
        secret: 'Lenient',
        closes: true,
      },
      {
        name: 'headers of 20 KB',
        text: head('GET /api/hello', `X-Padding: secret-${'p'.repeat(20 * 1024)}`) + '\r\n\r\n',
        status: 431,
        code: 'PAYLOAD_TOO_LARGE',
        secret: 'secret-',
        closes: true,
      },
    ];
  };

  it.each(malformed().map((c, index) => [c.name, index] as const))(
    '%s, sent as is → problem+json that does not repeat it',
    async (_name, index) => {
      const c = malformed()[index];
      const connection = await RawHttpConnection.open(sut.url);
      try {
        connection.write(c.text);
        const [response] = await connection.responses(1);
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect({ status: response.status, problem: JSON.parse(response.body) }).toMatchObject({
          status: c.status,
          problem: { status: c.status, code: c.code, title: expect.any(String), type: expect.any(String), detail: expect.any(String) },
        });
        expect(response.body).not.toContain(c.secret);
        if (c.closes) {
          expect(response.headers.connection).toBe('close');
          await connection.whenClosed();
        }
      } finally {
        connection.close();
      }
    },
  );

  it('changed nothing while refusing all of that', async () => {
    await expect(sut.api.get('/api/webhooks')).resolves.toMatchObject({ status: 200, body: { items: [] } });
    const providers = await sut.api.get('/api/providers?limit=100');
    expect(providers.body.items).toHaveLength(1);
    expect(providers.body.items[0]).toMatchObject({
      name: 'Dr. Test',
      minimum_notice_minutes: 0,
      booking_horizon_days: 365,
      buffer_minutes: 0,
      max_active_per_client: null,
    });
    await expect(sut.api.get(weeklyHours())).resolves.toMatchObject({ status: 200, body: { hours: [] } });
    await expect(sut.api.get(dates(futureDate(71)))).resolves.toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    const appointments = await sut.api.get(`/api/appointments?provider_id=${providerId}`);
    expect(appointments.body.items).toHaveLength(0);
    await expect(sut.api.get('/api/waitlist')).resolves.toMatchObject({ status: 200, body: { items: [] } });
    const open = await sut.api.get(`/api/schedule?provider_id=${providerId}&date=${date}`);
    expect(open.body.slots).toHaveLength(4);
    // No remote join slipped through: nobody is in the queue, no link was sent.
    await expect(sut.api.get(`/api/queue?provider_id=${providerId}`)).resolves.toMatchObject({ status: 200, body: { entries: [] } });
    const links = await sut.api.get('/api/deliveries?limit=100');
    expect(links.body.items.filter((item: { kind: string }) => item.kind === 'validation')).toEqual([]);
  });

  it('logged no error or warning while refusing all of that (a 2,000-level body once logged a stack each time)', () => {
    expect(problemLog.lines).toEqual([]);
  });

  it('says once that a missing field is required, instead of every rule it breaks', async () => {
    const response = await sut.api.post('/api/client_schedule', { date, client_id: clientId, requested_slot: 36 });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'provider_id', message: 'provider_id is required' }]);
    const empty = await sut.api.post('/api/schedule', {});
    expect(empty.body.errors).toEqual(
      ['date', 'start_time', 'end_time', 'provider_id'].map((field) => ({ field, message: `${field} is required` })),
    );
  });

  it('answers a body of 7,000 unknown fields briefly: 20 of them listed and how many more, not each one twice', async () => {
    // 62 KB, under the body limit.
    const fields = Object.fromEntries(Array.from({ length: 7_000 }, (_, i) => [`f${i.toString(36)}`, 0]));
    const response = await sut.api.post('/api/validate', { token: 'not.a.jwt', ...fields });
    expect(response.status).toBe(400);
    expect(response.body.errors).toHaveLength(20);
    expect(response.body.errors[0]).toEqual({ field: 'f0', message: 'f0 is not a known field' });
    expect(response.body.detail).toMatch(/; … and 6,980 more$/);
    expect(response.text.length).toBeLessThan(4_000);
  });

  it('reads no appointment id leniently: 1e0, 1.0, 0x1, 01 or " 1" never cancel appointment 1', async () => {
    const held = await sut.api.post('/api/client_schedule', request());
    expect(held.status).toBe(202);
    const id: number = held.body.appointment_id;
    for (const lenient of [`${id}e0`, `${id}.0`, `0${id}`, `%20${id}`, `0x${id.toString(16)}`, `${id * 10}e-1`]) {
      const refused = await sut.api.post(`/api/appointments/${lenient}/cancel`);
      expect({ lenient, status: refused.status, code: refused.body.code }).toEqual({ lenient, status: 400, code: 'VALIDATION_FAILED' });
    }
    await expect(sut.api.get(`/api/appointments/${id}`)).resolves.toMatchObject({ status: 200, body: { status: 'pending' } });
    await expect(sut.api.post(`/api/appointments/${id}/cancel`)).resolves.toMatchObject({ status: 200, body: { status: 'cancelled' } });
  });

  it("refuses to reschedule an appointment that is not confirmed, or not the caller's, and changes nothing", async () => {
    const provider = await createProvider(sut.api);
    await publish(sut.api, provider.id, date, '09:00', '10:00');
    const [owner, stranger] = [await createClient(sut.api), await createClient(sut.api)];
    const held = await sut.api.post('/api/client_schedule', { date, provider_id: provider.id, client_id: owner.id, requested_slot: 36 });
    expect(held.status).toBe(202);
    const id: number = held.body.appointment_id;
    const before = (await sut.api.get(`/api/appointments/${id}`)).body;
    const move = { date, requested_slot: 38 };

    await expect(sut.api.as(owner.api_key).post(`/api/appointments/${id}/reschedule`, move)).resolves.toMatchObject({
      status: 409,
      body: { code: 'NOT_RESCHEDULABLE' },
    });
    await expect(sut.api.as(stranger.api_key).post(`/api/appointments/${id}/reschedule`, move)).resolves.toMatchObject({
      status: 404,
      body: { code: 'APPOINTMENT_NOT_FOUND' },
    });
    await expect(sut.api.as(stranger.api_key).post(`/api/appointments/${id}/cancel`, { reason: 'not mine' })).resolves.toMatchObject({
      status: 404,
      body: { code: 'APPOINTMENT_NOT_FOUND' },
    });
    await expect(sut.api.get(`/api/appointments/${id}`)).resolves.toMatchObject({ status: 200, body: before });
    await expect(sut.api.get(`/api/schedule?provider_id=${provider.id}&date=${date}`)).resolves.toMatchObject({
      body: { slots: [{ index: 37 }, { index: 38 }, { index: 39 }] },
    });
  });

  it('counts a name in characters, not UTF-16 units: 200 emoji are a name', async () => {
    const name = '😀'.repeat(200);
    await expect(createClient(sut.api, { name })).resolves.toMatchObject({ name });
    await expect(createProvider(sut.api, { name: '𠀀'.repeat(200) })).resolves.toMatchObject({ name: '𠀀'.repeat(200) });
  });

  it('stores time zones in their canonical spelling', async () => {
    await expect(createProvider(sut.api, { time_zone: 'utc' })).resolves.toMatchObject({ time_zone: 'UTC' });
    await expect(createProvider(sut.api, { time_zone: 'europe/paris' })).resolves.toMatchObject({ time_zone: 'Europe/Paris' });
    const paris = await createProvider(sut.api, { time_zone: 'EUROPE/PARIS' });
    await expect(sut.api.get(`/api/providers/${paris.id}`)).resolves.toMatchObject({ body: { time_zone: 'Europe/Paris' } });
    // Stored under the current IANA name, not the older one the runtime's ICU may prefer.
    for (const [typed, stored] of [
      ['Asia/Kolkata', 'Asia/Kolkata'],
      ['asia/calcutta', 'Asia/Kolkata'],
      ['Europe/Kiev', 'Europe/Kyiv'],
      ['America/Nuuk', 'America/Nuuk'],
    ]) {
      const created = await createProvider(sut.api, { time_zone: typed });
      await expect(sut.api.get(`/api/providers/${created.id}`)).resolves.toMatchObject({ body: { time_zone: stored } });
    }
    // A name the time-zone database keeps only as a link: refused, or stored as the zone it links to.
    const old = await sut.api.post('/api/providers', { name: 'Old Zone', email: 'old-zone@x.co', time_zone: 'US/Pacific-New' });
    if (old.status === 201) expect(old.body.time_zone).toBe('America/Los_Angeles');
    else expect(old).toMatchObject({ status: 400, body: { errors: [{ field: 'time_zone' }] } });
  });

  it("judges a past day by the provider's today, in its time zone", async () => {
    // Kiritimati (UTC+14) is a day ahead of UTC for most of the day: its yesterday is refused, its today taken.
    const kiritimati = await createProvider(sut.api, { time_zone: 'Pacific/Kiritimati' });
    const post = (day: string) =>
      sut.api.post('/api/schedule', { date: day, start_time: '22:00', end_time: '23:00', provider_id: kiritimati.id });
    const theirToday = futureDate(0, 'Pacific/Kiritimati');
    await expect(post(futureDate(-1, 'Pacific/Kiritimati'))).resolves.toMatchObject({ status: 400, body: { errors: [{ field: 'date' }] } });
    await expect(post(theirToday)).resolves.toMatchObject({ status: 201 });
  });

  describe('what still works: a body-less POST route takes an empty body, whatever its content type', () => {
    const postEmpty = (path: string, init: RequestInit, key = sut.config(accessConfig).adminApiKey) =>
      fetch(sut.url + path, {
        ...init,
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) },
      });

    it.each(EMPTY_BODIES)('cancels an appointment: %s', async (_name, init) => {
      // A provider of its own, so that one case's failure leaves no hold in another's way.
      const provider = await createProvider(sut.api);
      await publish(sut.api, provider.id, date, '09:00', '09:15');
      const held = await sut.api.post('/api/client_schedule', { ...request(), provider_id: provider.id });
      expect(held.status).toBe(202);
      const response = await postEmpty(`/api/appointments/${held.body.appointment_id}/cancel`, init());
      expect({ status: response.status, body: await response.json() }).toMatchObject({ status: 200, body: { status: 'cancelled' } });
      await expect(sut.api.get(`/api/appointments/${held.body.appointment_id}`)).resolves.toMatchObject({ body: { status: 'cancelled' } });
    });

    it.each(EMPTY_BODIES)("issues a provider's and a client's new key: %s", async (_name, init) => {
      for (const [kind, created] of [
        ['providers', await createProvider(sut.api)],
        ['clients', await createClient(sut.api)],
      ] as const) {
        const response = await postEmpty(`/api/${kind}/${created.id}/api_key`, init(), created.api_key);
        const body = (await response.json()) as { api_key: string };
        expect({ kind, status: response.status }).toEqual({ kind, status: 200 });
        await expect(sut.api.as(body.api_key).get(`/api/${kind}/${created.id}`)).resolves.toMatchObject({ status: 200 });
        await expect(sut.api.as(created.api_key).get(`/api/${kind}/${created.id}`)).resolves.toMatchObject({ status: 401 });
      }
    });

    it.each(EMPTY_BODIES)('marks a no-show and lets a client leave the queue: %s', async (_name, init) => {
      for (const [action, status] of [
        ['no_show', 'no_show'],
        ['leave', 'left'],
      ]) {
        const walkIn = await sut.api.post('/api/queue/check_in', { provider_id: providerId, client_id: (await createClient(sut.api)).id });
        expect(walkIn.status).toBe(201);
        const response = await postEmpty(`/api/queue/entries/${walkIn.body.entry_id}/${action}`, init());
        expect({ action, status: response.status, body: await response.json() }).toMatchObject({ action, status: 200, body: { status } });
      }
    });

    it.each(EMPTY_BODIES)('still says which field is required on a route that needs a body: %s', async (_name, init) => {
      const response = await postEmpty('/api/queue/next', init());
      expect({ status: response.status, body: await response.json() }).toMatchObject({
        status: 400,
        body: { code: 'VALIDATION_FAILED', errors: [{ field: 'provider_id', message: 'provider_id is required' }] },
      });
    });
  });
});
