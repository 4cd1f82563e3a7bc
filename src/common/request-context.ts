import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { redact } from './redact';

/**
 * The id of the request being handled, for every log line written while handling it (`req_id`). One
 * store for the process: several apps in one process (the tests) each run their own requests in it.
 */
export const requestContext = new AsyncLocalStorage<string>();

/** The id of the request whose work is running now, if any. */
export function currentRequestId(): string | undefined {
  return requestContext.getStore();
}

/** A request id a caller or proxy may choose: a short token of letters, digits and `._:-`. */
const SANE_REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * The id of a new request: the caller's `x-request-id` when it is a sane short token that carries
 * nothing the logs must not show (an API key sent there would otherwise be logged on every line),
 * else a new UUID.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === 'string' && SANE_REQUEST_ID.test(header) && redact(header) === header) return header;
  return randomUUID();
}
