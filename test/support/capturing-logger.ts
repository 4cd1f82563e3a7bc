import { ConsoleLogger, LoggerService, LogLevel } from '@nestjs/common';

export interface LogEntry {
  level: LogLevel;
  text: string;
}

/**
 * Keeps every line the app logs, at every level, as it leaves the app's (redacting) logger, so a spec
 * can assert what is logged instead of printing it. Lines at `printLevels` are printed as well, so a
 * spec that captures still shows an unexpected error.
 */
export class CapturingLogger implements LoggerService {
  readonly entries: LogEntry[] = [];
  private readonly console?: ConsoleLogger;

  constructor(printLevels: LogLevel[] = []) {
    if (printLevels.length > 0) this.console = new ConsoleLogger('', { logLevels: printLevels });
  }

  get lines(): string[] {
    return this.entries.map((entry) => entry.text);
  }

  log = (message: unknown, ...rest: unknown[]) => this.keep('log', message, rest);
  error = (message: unknown, ...rest: unknown[]) => this.keep('error', message, rest);
  warn = (message: unknown, ...rest: unknown[]) => this.keep('warn', message, rest);
  debug = (message: unknown, ...rest: unknown[]) => this.keep('debug', message, rest);
  verbose = (message: unknown, ...rest: unknown[]) => this.keep('verbose', message, rest);
  fatal = (message: unknown, ...rest: unknown[]) => this.keep('fatal', message, rest);

  private keep(level: LogLevel, message: unknown, rest: unknown[]): void {
    const parts = [message, ...rest];
    this.entries.push({
      level,
      text: parts.map((part) => (part instanceof Error ? `${part.message} ${part.stack}` : String(part))).join(' '),
    });
    this.console?.[level](message, ...rest);
  }
}
