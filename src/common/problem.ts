import { HttpException } from '@nestjs/common';
import { AppError, ERROR_CODES, ErrorCode } from './app-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const SEND_JSON = 'Send Content-Type: application/json with a JSON body';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: { field: string; message: string }[];
  [key: string]: unknown;
}

/** Node and driver error codes that mean "the backing service did not answer". */
const UNAVAILABLE_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  '57P01', // admin_shutdown
  '57P02',
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // query_canceled: the statement outlived statement_timeout (a lock held too long, an overloaded server)
  '55P03', // lock_not_available
]);

const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /the client is closed/i,
  /connection is closed/i,
  /cannot use a pool after calling end/i,
  /socket closed unexpectedly/i,
  // node-postgres, a pooled client whose connection died: it refuses the next statement (a ROLLBACK
  // included, whose error is the one a transaction then throws).
  /is not queryable/i,
];

/**
 * node-postgres's "Query read timeout" is its own timer: the database did not answer in time, but it may
 * have done the work (a COMMIT answered and read late on a starved event loop is committed). Still a 503
 * (the database is what failed), but one that does not say nothing was changed.
 */
const OUTCOME_UNKNOWN_MESSAGES = [/^query read timeout$/i];

/**
 * Errors that mean a backing service answered too slowly rather than not at all: no pooled connection
 * freed or opened within its wait, a statement that outlived statement_timeout, a lock not granted in
 * time. A load peak ends requests so; their answer says so, and asked again later they may well pass.
 */
const DEADLINE_ERROR_CODES = new Set(['55P03', 'SQLITE_BUSY']);
const DEADLINE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated due to connection timeout/i,
  // 57014 is also a cancel asked for by someone (pg_cancel_backend): not a deadline.
  /canceling statement due to statement timeout/i,
];

export const UNAVAILABLE_DETAIL = 'A backing service did not answer; nothing was changed';
export const DEADLINE_PASSED_DETAIL = 'A backing service did not answer in time; nothing was changed';
export const OUTCOME_UNKNOWN_DETAIL =
  'The database did not answer in time; the change may have been made: read it back before asking again';

function problemOf(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  const { status, title } = ERROR_CODES[code];
  return {
    type: `https://scheduler.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title,
    status,
    detail,
    code,
    ...extra,
  };
}

/** A problem sent with an HTTP status the error table has no code of its own for (408, 414, 431). */
function problemWithStatus(status: number, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { ...problemOf(code, detail, extra), status };
}

export function isUnavailableError(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: errors from Node's own sockets may come from another realm.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_ERROR_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

function isOutcomeUnknownError(error: unknown): boolean {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' && OUTCOME_UNKNOWN_MESSAGES.some((pattern) => pattern.test(message));
}

function isDeadlineError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && DEADLINE_ERROR_CODES.has(code)) return true;
  return typeof message === 'string' && DEADLINE_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Errors raised by Fastify itself while reading a request (its FST_ codes, or the JSON parser's
 * SyntaxError) before a handler runs. Undefined for anything else.
 */
function fastifyProblem(error: unknown): Problem | undefined {
  const { statusCode, code, name } = (error ?? {}) as { statusCode?: unknown; code?: unknown; name?: unknown };
  const raisedByFastify = (typeof code === 'string' && code.startsWith('FST_')) || (name === 'SyntaxError' && statusCode === 400);
  if (!raisedByFastify || typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  // The router's own refusals, before any route is found. Their messages quote the path: never repeated.
  if (code === 'FST_ERR_BAD_URL') {
    const detail = 'The path is not a valid URL: a percent-encoded part does not decode to UTF-8';
    return problemOf('VALIDATION_FAILED', detail, { errors: [{ field: 'path', message: detail }] });
  }
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') return problemWithStatus(414, 'PAYLOAD_TOO_LARGE', 'A part of the path is too long');
  if (statusCode === 413) return problemOf('PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (statusCode === 415) return problemOf('UNSUPPORTED_MEDIA_TYPE', SEND_JSON);
  if (statusCode === 404) return problemOf('NOT_FOUND', 'No such route');
  // The parser's own message may quote the body; say only what is wrong.
  const detail = 'The request body could not be parsed as JSON';
  return problemOf('VALIDATION_FAILED', detail, { errors: [{ field: 'body', message: detail }] });
}

/**
 * The answer to a request Node's HTTP parser refused before there was a request to route (malformed
 * HTTP, headers over the size limit) or that was not received in time. Nothing of the request is repeated.
 */
export function clientErrorProblem(error: unknown): Problem {
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  if (code === 'HPE_HEADER_OVERFLOW') return problemWithStatus(431, 'PAYLOAD_TOO_LARGE', 'The request headers are too large');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const detail = 'The request was not received in time';
    return problemWithStatus(408, 'VALIDATION_FAILED', detail, { errors: [{ field: 'request', message: detail }] });
  }
  // llhttp's reason is a fixed phrase ("Invalid header value char"), never a piece of the request.
  const what = typeof code === 'string' && code.startsWith('HPE_') && typeof reason === 'string' ? `: ${reason}` : '';
  const detail = `The request is not valid HTTP/1.1${what}`;
  return problemOf('VALIDATION_FAILED', detail, { errors: [{ field: 'request', message: detail }] });
}

/** Nest's HTTP exceptions (thrown by the framework, guards and pipes) by status. */
const HTTP_EXCEPTION_CODES: Partial<Record<number, [ErrorCode, string]>> = {
  401: ['UNAUTHENTICATED', 'An API key is needed'],
  403: ['FORBIDDEN', 'This key may not do that'],
  404: ['NOT_FOUND', 'No such route'],
  // The router answers a known path with another method 404; the contract has no 405.
  405: ['NOT_FOUND', 'No such route'],
  413: ['PAYLOAD_TOO_LARGE', 'The request body is too large'],
  415: ['UNSUPPORTED_MEDIA_TYPE', SEND_JSON],
  429: ['RATE_LIMITED', 'Too many requests'],
  503: ['UNAVAILABLE', UNAVAILABLE_DETAIL],
};

/** Turns any error raised while reading or handling a request into the problem+json body the API answers with. */
export function toProblem(error: unknown): Problem {
  if (error instanceof AppError) return problemOf(error.code, error.detail, error.extra);
  if (error instanceof HttpException) {
    // The Fastify adapter hands Fastify's own 4xx errors over wrapped, with the original as the cause.
    const raisedByFastify = fastifyProblem(error.cause);
    if (raisedByFastify) return raisedByFastify;
    const status = error.getStatus();
    const known = HTTP_EXCEPTION_CODES[status];
    if (known) return problemOf(known[0], known[1]);
    if (status >= 400 && status < 500) {
      return problemOf('VALIDATION_FAILED', error.message, { errors: [{ field: 'body', message: error.message }] });
    }
  }
  if (isUnavailableError(error)) return problemOf('UNAVAILABLE', isDeadlineError(error) ? DEADLINE_PASSED_DETAIL : UNAVAILABLE_DETAIL);
  if (isOutcomeUnknownError(error)) return problemOf('UNAVAILABLE', OUTCOME_UNKNOWN_DETAIL);
  return fastifyProblem(error) ?? problemOf('INTERNAL', 'An unexpected error occurred');
}
