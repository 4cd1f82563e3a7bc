import { Logger } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { withTimeout } from '../common/timeout';

/** How long a store waits for one Redis command before answering 503. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

/**
 * A store's Redis command under its deadline. A Redis that does not answer in time, or fails, must
 * never read as "free" or "absent": the caller gets 503 UNAVAILABLE with `unavailable` as its detail.
 */
export async function redisCommand<T>(
  command: Promise<T>,
  logger: Logger,
  unavailable: string,
  timeoutMs = REDIS_COMMAND_TIMEOUT_MS,
): Promise<T> {
  try {
    return await withTimeout(command, timeoutMs);
  } catch (error) {
    logger.warn(`Redis did not answer: ${error instanceof Error ? error.message : String(error)}`);
    throw new AppError('UNAVAILABLE', unavailable);
  }
}
