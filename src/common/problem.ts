import { HttpException } from '@nestjs/common';
import { AppError, ERROR_CODES, ErrorCode } from './app-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

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
]);

const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /the client is closed/i,
  /connection is closed/i,
  /cannot use a pool after calling end/i,
  /socket closed unexpectedly/i,
];

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

export function isUnavailableError(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: errors from Node's own sockets may come from another realm.
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError, message } = error as { code?: unknown; driverError?: { code?: unknown }; message?: unknown };
  const anyCode = code ?? driverError?.code;
  if (typeof anyCode === 'string' && (UNAVAILABLE_ERROR_CODES.has(anyCode) || anyCode.startsWith('08'))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/** Errors raised by Fastify itself (body parsing, limits) before a handler runs. */
function fromFastifyError(error: { statusCode?: number; code?: string; message: string }): Problem | undefined {
  const status = error.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 413) return problemOf('PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (status === 415) return problemOf('UNSUPPORTED_MEDIA_TYPE', 'Send JSON (application/json)');
  if (status === 404) return problemOf('NOT_FOUND', 'No such route');
  const detail = error.code?.startsWith('FST_ERR_CTP') ? 'The request body is not valid JSON' : error.message;
  return problemOf('VALIDATION_FAILED', detail, { errors: [{ field: 'body', message: detail }] });
}

/** Turns any thrown value into the problem+json body the API answers with. */
export function toProblem(error: unknown): Problem {
  if (error instanceof AppError) return problemOf(error.code, error.detail, error.extra);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return problemOf('NOT_FOUND', 'No such route');
    if (status === 405) return problemOf('METHOD_NOT_ALLOWED', 'Method not allowed');
    if (status === 413) return problemOf('PAYLOAD_TOO_LARGE', 'The request body is too large');
    if (status === 429) return problemOf('RATE_LIMITED', 'Too many requests');
    if (status >= 400 && status < 500) {
      return problemOf('VALIDATION_FAILED', error.message, { errors: [{ field: 'body', message: error.message }] });
    }
  }
  if (isUnavailableError(error)) return problemOf('UNAVAILABLE', 'A backing service did not answer; nothing was changed');
  if (error && typeof error === 'object' && 'statusCode' in error) {
    const fromFastify = fromFastifyError(error as { statusCode?: number; code?: string; message: string });
    if (fromFastify) return fromFastify;
  }
  return problemOf('INTERNAL', 'An unexpected error occurred');
}
