/** A first request's answer, kept so a repeat gets it again byte for byte. */
export interface StoredAnswer {
  status: number;
  contentType: string;
  /** The body as sent, serialized. */
  body: string;
}

/** Header on an answer that is a replay of the first request's. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Thrown by the idempotency interceptor instead of running the handler: the exception filter sends
 * the stored answer as it is. (Returning it as the handler's value would not do: Nest would overwrite
 * its status with the route's @HttpCode.)
 */
export class ReplayedAnswer extends Error {
  constructor(readonly answer: StoredAnswer) {
    super('Replayed idempotent answer');
    this.name = 'ReplayedAnswer';
  }
}
