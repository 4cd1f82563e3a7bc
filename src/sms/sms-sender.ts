/** Sends one text message. The only kind of code that knows a text-message provider. */
export abstract class SmsSender {
  /**
   * Resolves once the provider has accepted the message; rejects with SmsSendError otherwise.
   * `messageKey`: the outbox message's, the same on every retry (names the outbox folder's copy).
   */
  abstract send(to: string, body: string, messageKey: string): Promise<void>;
}

export class SmsSendError extends Error {
  constructor(
    message: string,
    /** Worth another attempt (the provider is down or busy), as opposed to a refused message. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}

/** A phone number fit for a log line: +14155550123 → +1415*****23. */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return '*'.repeat(phone.length);
  return phone.slice(0, 5) + '*'.repeat(phone.length - 7) + phone.slice(-2);
}
