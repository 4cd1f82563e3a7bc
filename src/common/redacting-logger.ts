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

  /** After the message come a stack or an Error, and the context: an Error there says as much as one in front. */
  private cleanRest(rest: unknown[]): unknown[] {
    return rest.map(cleanPart);
  }
}

function cleanPart(part: unknown): unknown {
  if (typeof part === 'string') return redact(part);
  if (part instanceof Error) return redact(part.stack ?? part.message);
  return part;
}
