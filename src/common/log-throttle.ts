import type { Logger } from '@nestjs/common';

const DEFAULT_INTERVAL_MS = 10_000;

/** A warning that repeats while a backing service is down: logged at most once per interval, not per request. */
export function throttledWarning(logger: Logger, intervalMs = DEFAULT_INTERVAL_MS): (message: string) => void {
  let lastLogged = Number.NEGATIVE_INFINITY;
  return (message) => {
    // Real elapsed time, not the injected Clock: a test clock that stands still would silence the log for good.
    const now = Date.now();
    if (now - lastLogged < intervalMs) return;
    lastLogged = now;
    logger.warn(message);
  };
}
