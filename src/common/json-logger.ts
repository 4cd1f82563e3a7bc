import { ConsoleLogger, LogLevel } from '@nestjs/common';
import pino, { DestinationStream, Level, Logger as Pino } from 'pino';
import { currentRequestId } from './request-context';

const PINO_LEVELS: Record<LogLevel, Level> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/**
 * Nest's logger interface over pino: one JSON object a line,
 * `{"level":"info","time":"…","pid":…,"hostname":"…","context":"…","req_id":"…","msg":"…", …fields}`.
 * Nest's ConsoleLogger still reads the arguments (context last, a stack after an error's message, plain
 * objects as fields: `logger.log('Booked', { appointment_id: 3 })`); only the writing is pino's.
 * Redaction is not done here: the app wraps this in RedactingLogger, like any other logger.
 */
export class JsonLogger extends ConsoleLogger {
  private readonly pino: Pino;

  /** `destination`: where the lines go; standard output by default (tests pass a stream they read). */
  constructor(destination?: DestinationStream) {
    super();
    this.pino = pino(
      {
        level: 'trace',
        // Levels by name and times in ISO 8601: readable by people and by every log shipper.
        formatters: { level: (label) => ({ level: label }) },
        timestamp: pino.stdTimeFunctions.isoTime,
      },
      // Lines are gathered and written every 100 ms or 4 KB (a write a line cost a system call a request);
      // pino flushes what is left when the process exits, however it exits short of SIGKILL. Past 16 MB
      // unwritten (standard output no longer read), lines are dropped rather than grow the heap.
      destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, maxLength: 16 * 1024 * 1024, periodicFlush: 100 }),
    );
  }

  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel: LogLevel = 'log',
    _writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    const fields: Record<string, unknown> = { ...params };
    if (context) fields.context = context;
    const requestId = currentRequestId();
    if (requestId) fields.req_id = requestId;
    if (errorStack) fields.stack = errorStack;
    const text = messages.map((message) => textOf(this.resolveMessage(message))).join(' ');
    this.pino[PINO_LEVELS[logLevel]](fields, text);
  }

  /** The stack is a field of the line, not a line of its own. */
  protected override printStackTrace(): void {}
}

function textOf(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.stack ?? message.message;
  try {
    return JSON.stringify(message) ?? String(message);
  } catch {
    return String(message);
  }
}
