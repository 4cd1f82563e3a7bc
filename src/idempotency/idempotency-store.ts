import { StoredAnswer } from './stored-answer';

/** What `begin` found under a key. */
export type BeginOutcome =
  /** Nothing (or only a lapsed marker): the caller runs the request and must `complete` or `release` with `token`. */
  | { outcome: 'started'; token: string }
  /** The same request ran to completion: its answer. */
  | { outcome: 'replay'; answer: StoredAnswer }
  /** The same key was used with another body. */
  | { outcome: 'reused' }
  /** The same request is still running elsewhere. */
  | { outcome: 'in_use' };

/**
 * Idempotency records, where every server process sees them: Redis with REDIS_URL, the database
 * otherwise. `key` is already scoped (caller, method, path, Idempotency-Key) and hashed by the caller.
 */
export abstract class IdempotencyStore {
  /**
   * Atomically marks `key` in flight for `inFlightMs` (so a crashed process frees it) when it is free,
   * else tells what is there. A marker whose time is up counts as free.
   */
  abstract begin(key: string, fingerprint: string, inFlightMs: number): Promise<BeginOutcome>;

  /**
   * Stores the answer for `keepMs`, if the marker is still this run's (`token`); otherwise does nothing.
   * `clientId`: the client the request is about, whose erasure deletes the record (see `forgetClient`).
   */
  abstract complete(key: string, token: string, answer: StoredAnswer, keepMs: number, clientId?: number): Promise<void>;

  /** Frees the key so a retry can run, if the marker is still this run's; otherwise does nothing. */
  abstract release(key: string, token: string): Promise<void>;

  /** Deletes every record kept about this client (its erasure). */
  abstract forgetClient(clientId: number): Promise<void>;
}
