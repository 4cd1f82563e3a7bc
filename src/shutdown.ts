import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { HttpDrain } from './common/http-drain';
import { withTimeout } from './common/timeout';

/** How long the requests in flight get to be answered once a stop is asked for (the contract: up to 10 s). */
export const DRAIN_TIMEOUT_MS = 10_000;
/** How long the modules then get to let go of what they hold: workers, the database pool, Redis. */
export const CLOSE_TIMEOUT_MS = 3_000;
/** The process exits by then, whatever is still running (the contract: exit 0 within 15 s). */
export const EXIT_DEADLINE_MS = 14_000;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface ShutdownTimeouts {
  drainMs?: number;
  closeMs?: number;
}

/**
 * Stops the app gracefully; main.ts and the tests run this one sequence. First HTTP drains (src/common/
 * http-drain.ts): no new connections, new requests get 503 problem+json, event streams end, the requests
 * in flight are answered (up to 10 s), each connection closing with its last answer, and what is left is
 * dropped. Then Nest's shutdown hooks close workers, the database pool and Redis, under a deadline of
 * their own: a Redis that is down or a mail server that never answers cannot hold the stop.
 */
export async function shutDown(app: NestFastifyApplication, timeouts: ShutdownTimeouts = {}): Promise<void> {
  const logger = new Logger('Shutdown');
  const drainMs = timeouts.drainMs ?? DRAIN_TIMEOUT_MS;
  const closeMs = timeouts.closeMs ?? CLOSE_TIMEOUT_MS;
  const cutOff = await app.get(HttpDrain).drain(drainMs);
  if (cutOff > 0) logger.warn(`${cutOff} request(s) not answered within ${drainMs} ms; their connections were dropped`);
  try {
    await withTimeout(app.close(), closeMs);
  } catch (error) {
    logger.warn(`The modules did not close cleanly within ${closeMs} ms: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * On SIGTERM or SIGINT: shuts down gracefully and exits 0, within 15 s whatever happens. A stop that
 * was asked for is not a failure, so its status is 0 (Nest's own hooks would re-raise the signal: 143).
 */
export function stopOnSignals(app: NestFastifyApplication): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: finishing the requests in flight, then stopping`);
    setTimeout(() => {
      logger.warn(`Still not stopped after ${EXIT_DEADLINE_MS} ms; exiting`);
      process.exit(0);
    }, EXIT_DEADLINE_MS).unref();
    void shutDown(app).finally(() => {
      logger.log('Stopped');
      process.exit(0);
    });
  };
  for (const signal of SIGNALS) process.on(signal, stop);
}
