import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { RetryPolicy, withRetry } from '../common/retry';
import { maskPhone, SmsSender, SmsSendError } from './sms-sender';

export const SMS_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 200 };

/**
 * Sends texts in the background: the caller never waits for the provider and never sees its errors.
 * A failed send is retried with exponential backoff (200 ms, 400 ms) and logged.
 */
@Injectable()
export class SmsService implements OnApplicationShutdown {
  private readonly logger = new Logger('Sms');
  private readonly shutdown = new AbortController();

  constructor(private readonly sender: SmsSender) {}

  /** Starts sending and returns at once; the promise (which never rejects) says whether it was delivered. */
  send(to: string, body: string): Promise<boolean> {
    return withRetry(() => this.sender.send(to, body), SMS_RETRY, {
      retryable: (error) => !(error instanceof SmsSendError) || error.retryable,
      signal: this.shutdown.signal,
      onRetry: (error, attempt, delayMs) =>
        this.logger.warn(`Text to ${maskPhone(to)} failed (attempt ${attempt}), retrying in ${delayMs} ms: ${describe(error)}`),
    }).then(
      () => true,
      (error: unknown) => {
        this.logger.error(`Text to ${maskPhone(to)} not sent: ${describe(error)}`);
        return false;
      },
    );
  }

  onApplicationShutdown(): void {
    this.shutdown.abort();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
