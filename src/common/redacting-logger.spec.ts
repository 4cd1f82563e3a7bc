import { LoggerService } from '@nestjs/common';
import { OUTBOX_LOG_CONTEXT, RedactingLogger } from './redacting-logger';

/** Keeps what reaches the real logger, every part as the console would print it. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (...parts: unknown[]) => this.keep(parts);
  error = (...parts: unknown[]) => this.keep(parts);
  warn = (...parts: unknown[]) => this.keep(parts);
  debug = (...parts: unknown[]) => this.keep(parts);
  verbose = (...parts: unknown[]) => this.keep(parts);
  fatal = (...parts: unknown[]) => this.keep(parts);
  private keep(parts: unknown[]): void {
    this.lines.push(parts.map((part) => (part instanceof Error ? `${part.message}\n${part.stack}` : String(part))).join(' | '));
  }
}

const EMAIL = 'grace.hopper@example.com';
const KEY = 'prv_3q2-7wEtQnbFv6yGQk8yYb1JcHj0cX2mYV4a9xK1pZs';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-DEF_123';
const PHONE = '+14155550123';
const SECRETS = [EMAIL, 'grace.hopper', KEY, TOKEN, PHONE];
const LEAKY = `550 <${EMAIL}> rejected; key ${KEY}; link /api/validate?token=${TOKEN}; sms ${PHONE}`;

describe(RedactingLogger.name, () => {
  const levels = ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const;

  it.each(levels)('redacts an Error given to %s as the message, keeping what it says', (level) => {
    const inner = new RecordingLogger();
    const sut = new RedactingLogger(inner);
    sut[level](new Error(LEAKY), 'Mail');
    const [line] = inner.lines;
    for (const secret of SECRETS) expect(line).not.toContain(secret);
    expect(line).toContain('g***@example.com');
    expect(line).toContain('rejected');
    expect(line).toContain('Mail');
  });

  it.each(levels)('redacts an Error given to %s after the message', (level) => {
    const inner = new RecordingLogger();
    const sut = new RedactingLogger(inner);
    sut[level]('Could not send', new Error(LEAKY), 'Mail');
    const [line] = inner.lines;
    for (const secret of SECRETS) expect(line).not.toContain(secret);
    expect(line).toContain('Could not send');
    expect(line).toContain('rejected');
  });

  it('redacts strings anywhere in the line, context included', () => {
    const inner = new RecordingLogger();
    new RedactingLogger(inner).warn(LEAKY, `stack with ${EMAIL}`, 'Http');
    for (const secret of SECRETS) expect(inner.lines[0]).not.toContain(secret);
    expect(inner.lines[0]).toContain('Http');
  });

  it('lets the outbox mode log its link as it is', () => {
    const inner = new RecordingLogger();
    const link = `Validation link for appointment 1: http://127.0.0.1:5000/api/validate?token=${TOKEN}`;
    new RedactingLogger(inner).log(link, OUTBOX_LOG_CONTEXT);
    expect(inner.lines).toEqual([`${link} | ${OUTBOX_LOG_CONTEXT}`]);
  });
});
