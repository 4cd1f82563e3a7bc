import { ConsoleLogger, LoggerService, LogLevel } from '@nestjs/common';
import { redact } from './redact';

/** The one context whose lines may carry a validation link: the bare machine's outbox mode. */
export const OUTBOX_LOG_CONTEXT = 'Outbox';

/**
 * Every log line of the app passes through here and leaves without keys, tokens, full email
 * addresses or phone numbers. The outbox mode (no SMTP_URL) logs its validation links on purpose,
 * for a developer; the mail service only logs them when SMTP_URL is unset.
 */
export class RedactingLogger implements LoggerService {
  constructor(private readonly inner: LoggerService = new ConsoleLogger()) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.inner.log(this.clean(message, rest), ...this.cleanRest(rest));
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(this.clean(message, rest), ...this.cleanRest(rest));
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(this.clean(message, rest), ...this.cleanRest(rest));
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(this.clean(message, rest), ...this.cleanRest(rest));
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(this.clean(message, rest), ...this.cleanRest(rest));
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.inner.fatal?.(this.clean(message, rest), ...this.cleanRest(rest));
  }

  setLogLevels(levels: LogLevel[]): void {
    this.inner.setLogLevels?.(levels);
  }

  private clean(message: unknown, rest: unknown[]): unknown {
    if (rest[rest.length - 1] === OUTBOX_LOG_CONTEXT) return message;
    return cleanPart(message);
  }

  /**
   * After the message come a stack or an Error, fields (a plain object, which the JSON logger writes as
   * fields of the line), and the context: each is cleaned as the message is.
   */
  private cleanRest(rest: unknown[]): unknown[] {
    return rest.map(cleanPart);
  }
}

/** Fields nested deeper than this are dropped rather than walked: a log line's fields are flat. */
const MAX_FIELD_DEPTH = 3;

function cleanPart(part: unknown, depth = 0): unknown {
  if (typeof part === 'string') return redact(part);
  if (part instanceof Error) return redact(part.stack ?? part.message);
  if (Array.isArray(part)) return depth >= MAX_FIELD_DEPTH ? '[…]' : part.map((item) => cleanPart(item, depth + 1));
  if (isPlainObject(part)) {
    if (depth >= MAX_FIELD_DEPTH) return '[…]';
    // Keys are cleaned too: a map keyed by email address would otherwise show them.
    return Object.fromEntries(Object.entries(part).map(([key, value]) => [redact(key), cleanPart(value, depth + 1)]));
  }
  return part;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
