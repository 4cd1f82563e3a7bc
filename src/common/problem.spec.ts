import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  MethodNotAllowedException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { DatabaseError } from 'pg';
import { AppError, ERROR_CODES, ErrorCode } from './app-error';
import { clientErrorProblem, DEADLINE_PASSED_DETAIL, OUTCOME_UNKNOWN_DETAIL, Problem, toProblem, UNAVAILABLE_DETAIL } from './problem';

/** The table at the end of API.md, written out again so the code is checked against the contract. */
const CONTRACT: [ErrorCode, number][] = [
  ['VALIDATION_FAILED', 400],
  ['UNAUTHENTICATED', 401],
  ['TOKEN_INVALID', 401],
  ['FORBIDDEN', 403],
  ['PROVIDER_NOT_FOUND', 404],
  ['CLIENT_NOT_FOUND', 404],
  ['APPOINTMENT_NOT_FOUND', 404],
  ['NOT_FOUND', 404],
  ['SLOT_UNAVAILABLE', 409],
  ['EMAIL_TAKEN', 409],
  ['ALREADY_CONFIRMED', 409],
  ['HOLD_CANCELLED', 409],
  ['CHECK_IN_REFUSED', 409],
  ['QUEUE_EMPTY', 409],
  ['ENTRY_CLOSED', 409],
  ['NOT_RESCHEDULABLE', 409],
  // Not in the contract's table, where no 409 fits: retrying a delivery that is queued or sent.
  ['NOT_RETRYABLE', 409],
  ['LIMIT_REACHED', 409],
  ['LINK_SUPERSEDED', 409],
  ['QUEUE_FULL', 409],
  ['IDEMPOTENCY_KEY_IN_USE', 409],
  ['HOLD_EXPIRED', 410],
  ['PAYLOAD_TOO_LARGE', 413],
  ['UNSUPPORTED_MEDIA_TYPE', 415],
  ['TOO_SOON', 422],
  ['TOO_FAR_AHEAD', 422],
  ['IDEMPOTENCY_KEY_REUSED', 422],
  ['RATE_LIMITED', 429],
  ['INTERNAL', 500],
  ['UNAVAILABLE', 503],
];

/** An error as Fastify raises it: an Error with statusCode and an FST_ code. */
const fastifyError = (statusCode: number, code: string | undefined, message: string) =>
  Object.assign(new Error(message), { statusCode, ...(code ? { code } : {}) });
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** An error as pg raises it (and Kysely passes it on), carrying server details that must not leak. */
const pgError = (code: string, message: string) =>
  Object.assign(new DatabaseError(message, message.length, 'error'), {
    code,
    detail: 'Key (secret_column)=(secret-param) already exists.',
    internalQuery: 'SELECT * FROM "internal_table" WHERE "secret_column" = $1',
    table: 'internal_table',
  });

const expectWellFormed = (problem: Problem) => {
  expect(problem).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: ERROR_CODES[problem.code].title,
      status: ERROR_CODES[problem.code].status,
      detail: expect.any(String),
      code: problem.code,
    }),
  );
  expect(() => new URL(problem.type)).not.toThrow();
  expect(problem.detail.length).toBeGreaterThan(0);
};

describe(toProblem.name, () => {
  const sut = toProblem;

  it('the contract table and ERROR_CODES list the same codes', () => {
    expect(Object.keys(ERROR_CODES).sort()).toEqual(CONTRACT.map(([code]) => code).sort());
  });

  describe('AppError', () => {
    it.each(CONTRACT)('%s → status %i with its code, title and detail', (code, status) => {
      const problem = sut(new AppError(code, `detail of ${code}`));
      expect(problem).toMatchObject({ status, code, title: ERROR_CODES[code].title, detail: `detail of ${code}` });
      expectWellFormed(problem);
    });

    it('gives each code its own type', () => {
      const types = CONTRACT.map(([code]) => sut(new AppError(code, 'x')).type);
      expect(new Set(types).size).toBe(CONTRACT.length);
    });

    it('carries the field errors of a validation failure', () => {
      const errors = [
        { field: 'date', message: 'date must be a real date as YYYY-MM-DD' },
        { field: 'provider_id', message: 'provider_id must be a positive integer' },
      ];
      const problem = sut(AppError.validation(errors));
      expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors });
      expect(problem.detail).toContain('date');
      expect(problem.detail).toContain('provider_id');
    });

    it('lists at most 20 field errors, and says how many more there were', () => {
      const errors = Array.from({ length: 7_000 }, (_, i) => ({ field: `f${i}`, message: `f${i} is not a known field` }));
      const problem = sut(AppError.validation(errors));
      expect(problem.errors).toEqual(errors.slice(0, 20));
      expect(problem.detail).toBe(
        `${errors
          .slice(0, 20)
          .map((e) => `${e.field}: ${e.message}`)
          .join('; ')}; … and 6,980 more`,
      );
    });

    it('lists 20 field errors in full, without a count of more', () => {
      const errors = Array.from({ length: 20 }, (_, i) => ({ field: `f${i}`, message: 'm' }));
      const problem = sut(AppError.validation(errors));
      expect(problem.errors).toEqual(errors);
      expect(problem.detail).not.toContain('more');
    });

    it('shortens a field name or message long enough to be an echo of the request', () => {
      const field = 'k'.repeat(60_000);
      const problem = sut(AppError.validation([{ field, message: `${field} is not a known field` }]));
      expect(JSON.stringify(problem).length).toBeLessThan(2_000);
      expect(problem.errors).toEqual([{ field: `${'k'.repeat(200)}…`, message: `${'k'.repeat(200)}…` }]);
    });

    it('carries extra content, such as the appointment of ALREADY_CONFIRMED', () => {
      const appointment = { id: 7, status: 'confirmed' };
      const problem = sut(new AppError('ALREADY_CONFIRMED', 'Already confirmed', { appointment }));
      expect(problem).toMatchObject({ status: 409, code: 'ALREADY_CONFIRMED', appointment });
    });
  });

  describe('Nest HTTP exceptions', () => {
    it.each([
      ['NotFoundException', 404, 'NOT_FOUND', new NotFoundException()],
      ['NotFoundException with a message', 404, 'NOT_FOUND', new NotFoundException('Cannot GET /api/nothing')],
      ['BadRequestException', 400, 'VALIDATION_FAILED', new BadRequestException('bad input')],
      ['MethodNotAllowedException', 404, 'NOT_FOUND', new MethodNotAllowedException()],
      ['PayloadTooLargeException', 413, 'PAYLOAD_TOO_LARGE', new PayloadTooLargeException()],
      ['HttpException 429', 429, 'RATE_LIMITED', new HttpException('Too Many Requests', 429)],
      ['InternalServerErrorException', 500, 'INTERNAL', new InternalServerErrorException()],
    ])('%s → %i %s', (_name, status, code, error) => {
      const problem = sut(error);
      expect(problem).toMatchObject({ status, code });
      expectWellFormed(problem);
    });

    // A 401, 403, 415 or 503 must not come out as a 400 (or 500) in disguise.
    it.each([
      ['UnauthorizedException', 401, 'UNAUTHENTICATED', new UnauthorizedException()],
      ['ForbiddenException (what a guard that returns false throws)', 403, 'FORBIDDEN', new ForbiddenException('Forbidden resource')],
      ['UnsupportedMediaTypeException', 415, 'UNSUPPORTED_MEDIA_TYPE', new UnsupportedMediaTypeException()],
      ['ServiceUnavailableException', 503, 'UNAVAILABLE', new ServiceUnavailableException()],
    ])('keeps the status of %s: %i %s', (_name, status, code, error) => {
      expect(sut(error)).toMatchObject({ status, code });
    });
  });

  describe('errors raised by Fastify', () => {
    it.each([
      ['body too large', 413, 'PAYLOAD_TOO_LARGE', fastifyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large')],
      ['a bare {statusCode: 413} with its code', 413, 'PAYLOAD_TOO_LARGE', { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }],
      [
        'invalid JSON',
        400,
        'VALIDATION_FAILED',
        fastifyError(400, 'FST_ERR_CTP_INVALID_JSON_BODY', "Body is not valid JSON but content-type is set to 'application/json'"),
      ],
      ['a bare invalid JSON error', 400, 'VALIDATION_FAILED', { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: 'x' }],
      [
        'empty JSON body',
        400,
        'VALIDATION_FAILED',
        fastifyError(400, 'FST_ERR_CTP_EMPTY_JSON_BODY', "Body cannot be empty when content-type is set to 'application/json'"),
      ],
      [
        'a JSON syntax error',
        400,
        'VALIDATION_FAILED',
        Object.assign(new SyntaxError('Unexpected token } in JSON at position 12'), { statusCode: 400 }),
      ],
      [
        'unsupported media type',
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        fastifyError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type: text/csv'),
      ],
      [
        'a bare {statusCode: 415} with its code',
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' },
      ],
      ['route not found', 404, 'NOT_FOUND', fastifyError(404, 'FST_ERR_NOT_FOUND', 'Route GET:/api/nothing not found')],
    ])('%s → %i %s', (_name, status, code, error) => {
      const problem = sut(error);
      expect(problem).toMatchObject({ status, code });
      expectWellFormed(problem);
    });

    it.each([
      ['invalid JSON', fastifyError(400, 'FST_ERR_CTP_INVALID_JSON_BODY', 'Unexpected token } in JSON at position 12')],
      ['empty JSON body', fastifyError(400, 'FST_ERR_CTP_EMPTY_JSON_BODY', 'Body cannot be empty')],
    ])('%s names the body in errors and says the JSON is bad', (_name, error) => {
      const problem = sut(error);
      expect(problem.errors).toEqual([{ field: 'body', message: expect.any(String) }]);
      expect(problem.detail).toMatch(/json/i);
    });

    it.each([
      [
        'a JSON syntax error',
        Object.assign(new SyntaxError('Unexpected token \'s\', "{"name": secret-body-text}" is not valid JSON'), { statusCode: 400 }),
      ],
      ['invalid JSON', fastifyError(400, 'FST_ERR_CTP_INVALID_JSON_BODY', 'Unexpected token s in JSON: {"name": secret-body-text}')],
    ])('%s handed over as the cause of an HttpException (as the Fastify adapter does) says only that the JSON is bad', (_name, cause) => {
      const problem = sut(new HttpException(cause.message, 400, { cause }));
      expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ field: 'body', message: expect.any(String) }] });
      expect(problem.detail).toMatch(/json/i);
      expect(JSON.stringify(problem)).not.toContain('secret-body-text');
    });

    it.each([
      ['body too large', 413, 'PAYLOAD_TOO_LARGE', fastifyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large')],
      [
        'unsupported media type',
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        fastifyError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', 'Unsupported Media Type: text/csv'),
      ],
    ])('%s handed over as the cause of an HttpException → %i %s', (_name, status, code, cause) => {
      const problem = sut(new HttpException(cause.message, status, { cause }));
      expect(problem).toMatchObject({ status, code });
      expectWellFormed(problem);
    });

    it("the router's refusal of a path that is not percent-encoded UTF-8 names the path and does not repeat it", () => {
      const problem = sut(fastifyError(400, 'FST_ERR_BAD_URL', "'/api/appointments/%ff-secret' is not a valid url component"));
      expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ field: 'path', message: expect.any(String) }] });
      expectWellFormed(problem);
      expect(JSON.stringify(problem)).not.toContain('secret');
    });

    it("the router's refusal of a path part over its length → 414 PAYLOAD_TOO_LARGE, without the path", () => {
      const problem = sut(
        fastifyError(414, 'FST_ERR_MAX_PARAM_LENGTH', `'/api/appointments/${'7'.repeat(150)}' is exceeding the max param length`),
      );
      expect(problem).toMatchObject({ status: 414, code: 'PAYLOAD_TOO_LARGE', title: ERROR_CODES.PAYLOAD_TOO_LARGE.title });
      expect(JSON.stringify(problem)).not.toContain('7777');
    });

    it('a handler error that merely carries a 4xx statusCode is not mistaken for a parse error', () => {
      expect(sut(fastifyError(400, undefined, 'upstream said 400'))).toMatchObject({ status: 500, code: 'INTERNAL' });
    });

    it('a Fastify error with a 5xx status is an internal error that does not repeat its message', () => {
      const problem = sut(fastifyError(500, 'FST_ERR_SOMETHING', 'internal at /srv/app/node_modules/fastify/lib/x.js'));
      expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
      expect(JSON.stringify(problem)).not.toContain('/srv/app');
    });
  });

  describe('a backing service that does not answer → 503 UNAVAILABLE', () => {
    it.each([
      ['ECONNREFUSED', withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')],
      ['ECONNRESET', withCode('read ECONNRESET 10.0.0.5:6379', 'ECONNRESET')],
      ['ETIMEDOUT', withCode('connect ETIMEDOUT 10.0.0.5:5432', 'ETIMEDOUT')],
      ['ENOTFOUND', withCode('getaddrinfo ENOTFOUND db.internal', 'ENOTFOUND')],
      ['EHOSTUNREACH', withCode('connect EHOSTUNREACH 10.0.0.5:5432', 'EHOSTUNREACH')],
      ['EPIPE', withCode('write EPIPE', 'EPIPE')],
      ['SQLITE_BUSY', withCode('SQLITE_BUSY: database is locked', 'SQLITE_BUSY')],
      ['PostgreSQL 57P01 (admin shutdown)', pgError('57P01', 'terminating connection due to administrator command')],
      ['PostgreSQL 57P03 (cannot connect now)', pgError('57P03', 'the database system is starting up')],
      ['PostgreSQL 53300 (too many connections)', pgError('53300', 'sorry, too many clients already')],
      ['PostgreSQL 57014 (statement timeout)', pgError('57014', 'canceling statement due to statement timeout')],
      ['PostgreSQL 55P03 (lock not available)', pgError('55P03', 'could not obtain lock on row in relation "internal_table"')],
      ['PostgreSQL 08006 (connection failure)', pgError('08006', 'connection failure at 10.0.0.5')],
      ['Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
      // A pooled client whose connection died (a PostgreSQL restart) refuses the next statement, a ROLLBACK included.
      ['a pg client after its connection failed', new Error('Client has encountered a connection error and is not queryable')],
      ['a closed pg client', new Error('Client was closed and is not queryable')],
      ['pg pool connect timeout', new Error('timeout exceeded when trying to connect')],
      ['the Redis client is closed', new Error('The client is closed')],
      ['Redis socket closed', new Error('Socket closed unexpectedly')],
    ])('%s', (_name, error) => {
      const problem = sut(error);
      expect(problem).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
      expectWellFormed(problem);
      const body = JSON.stringify(problem);
      expect(body).not.toContain(error.message);
      expect(body).not.toMatch(/10\.0\.0\.5|db\.internal|internal_table|secret/);
    });

    it.each([
      ['ENOENT', withCode('ENOENT: no such file', 'ENOENT')],
      ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint "uq_secret"')],
      ['a syntax error in SQL', pgError('42601', 'syntax error at or near "SELEC"')],
      ['a numeric code', Object.assign(new Error('odd'), { code: 57 })],
    ])('but %s is not unavailability', (_name, error) => {
      const problem = sut(error);
      expect(problem.status).not.toBe(503);
      expect(JSON.stringify(problem)).not.toMatch(/internal_table|secret-param|secret_column|uq_secret/);
    });
  });

  it("answers node-postgres's own read timeout 503, without saying nothing was changed (the server may have committed)", () => {
    // See problem.read-timeout.spec.ts: a COMMIT answered in time but read late is committed.
    expect(sut(new Error('Query read timeout'))).toEqual({
      type: 'https://scheduler.example/problems/unavailable',
      title: expect.any(String),
      status: 503,
      code: 'UNAVAILABLE',
      detail: OUTCOME_UNKNOWN_DETAIL,
    });
  });

  describe('a backing service that answered too slowly: its 503 says "in time", so a client (or a spec) can tell a load peak from an outage', () => {
    it.each([
      ['the pool wait', new Error('timeout exceeded when trying to connect')],
      ['opening a pooled connection', new Error('Connection terminated due to connection timeout')],
      ['PostgreSQL 57014 (statement timeout)', pgError('57014', 'canceling statement due to statement timeout')],
      ['PostgreSQL 55P03 (lock timeout)', pgError('55P03', 'canceling statement due to lock timeout')],
      ['SQLITE_BUSY (busy_timeout)', withCode('SQLITE_BUSY: database is locked', 'SQLITE_BUSY')],
    ])('%s', (_name, error) => {
      expect(sut(error)).toMatchObject({ status: 503, code: 'UNAVAILABLE', detail: DEADLINE_PASSED_DETAIL });
    });

    it.each([
      ['ECONNREFUSED', withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')],
      ['Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
      ['PostgreSQL 57014 asked for (pg_cancel_backend)', pgError('57014', 'canceling statement due to user request')],
      ['PostgreSQL 57P01 (admin shutdown)', pgError('57P01', 'terminating connection due to administrator command')],
    ])('but %s is an outage, not a deadline', (_name, error) => {
      expect(sut(error)).toMatchObject({ status: 503, code: 'UNAVAILABLE', detail: UNAVAILABLE_DETAIL });
    });
  });

  describe('anything else → 500 INTERNAL, saying nothing about it', () => {
    it.each([
      ['an Error with a path', new Error('boom at /x/y.ts')],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'boom at /x/y.ts')")],
      ['an Error with a status-less code', withCode('boom at /x/y.ts', 'ERR_SOMETHING')],
      ['a string', 'boom at /x/y.ts'],
      ['an object', { message: 'boom at /x/y.ts' }],
      ['a number', 42],
      ['null', null],
      ['undefined', undefined],
    ])('%s', (_name, error) => {
      const problem = sut(error);
      expect(problem).toMatchObject({ status: 500, code: 'INTERNAL', title: 'Internal error' });
      expectWellFormed(problem);
      expect(problem.detail).not.toContain('boom');
      expect(JSON.stringify(problem)).not.toMatch(/boom|\/x\/y\.ts/);
    });
  });

  describe('never a stack', () => {
    const thrown = (error: Error) => {
      try {
        throw error;
      } catch (caught) {
        return caught as Error;
      }
    };
    it.each([
      ['AppError', thrown(new AppError('SLOT_UNAVAILABLE', 'taken'))],
      ['AppError with field errors', thrown(AppError.field('date', 'bad date'))],
      ['NotFoundException', thrown(new NotFoundException())],
      ['BadRequestException', thrown(new BadRequestException('bad'))],
      ['an unavailable database', thrown(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))],
      ['a PostgreSQL error', thrown(pgError('23505', 'duplicate'))],
      ['a plain Error', thrown(new Error('boom at /x/y.ts'))],
    ])('%s', (_name, error) => {
      expect(error.stack).toBeTruthy();
      const problem = sut(error);
      const body = JSON.stringify(problem);
      expect(problem).not.toHaveProperty('stack');
      expect(body).not.toMatch(/"stack"/);
      expect(body).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(body).not.toContain(error.stack!.split('\n')[1].trim());
    });
  });
});

describe(clientErrorProblem.name, () => {
  const sut = clientErrorProblem;
  /** An error as Node's HTTP parser raises it, with the bytes it refused in rawPacket. */
  const parseError = (code: string, reason: string) =>
    Object.assign(new Error(`Parse Error: ${reason}`), { code, reason, rawPacket: Buffer.from('GET /secret-path HTTP/1.1') });

  it.each([
    [
      'a control character in a header',
      parseError('HPE_INVALID_HEADER_TOKEN', 'Invalid header value char'),
      400,
      'VALIDATION_FAILED',
      'Invalid header value char',
    ],
    ['a bad chunk size', parseError('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size'), 400, 'VALIDATION_FAILED', 'chunk size'],
    [
      'two Content-Lengths',
      parseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'Duplicate Content-Length'),
      400,
      'VALIDATION_FAILED',
      'Duplicate Content-Length',
    ],
    ['headers over the limit', parseError('HPE_HEADER_OVERFLOW', 'Header overflow'), 431, 'PAYLOAD_TOO_LARGE', 'headers are too large'],
    [
      'a request not received in time',
      Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }),
      408,
      'VALIDATION_FAILED',
      'in time',
    ],
  ])('%s → %i %s', (_name, error, status, code, detail) => {
    const problem = sut(error);
    expect(problem).toMatchObject({ status, code, title: ERROR_CODES[code as ErrorCode].title });
    expect(problem.detail).toContain(detail);
    expect(JSON.stringify(problem)).not.toContain('secret-path');
  });

  it('says only that the request is not HTTP when the error is not one of the parser', () => {
    const problem = sut(Object.assign(new Error('something odd: secret-text'), { code: 'EPROTO', reason: 'secret-text' }));
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', detail: 'The request is not valid HTTP/1.1' });
    expect(JSON.stringify(problem)).not.toContain('secret-text');
  });
});
