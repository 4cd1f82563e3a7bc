export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Wait before the second attempt; each later wait doubles. */
  firstDelayMs: number;
}

export interface RetryOptions {
  /** Whether an error is worth another attempt (default: every error is). */
  retryable?: (error: unknown) => boolean;
  /** Told before each wait. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops waiting (the last error is thrown), e.g. when the app shuts down. */
  signal?: AbortSignal;
}

/** Runs `work` until it succeeds, waiting firstDelayMs, 2×, 4×… between attempts (exponential backoff). */
export async function withRetry<T>(work: (attempt: number) => Promise<T>, policy: RetryPolicy, options: RetryOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      const last = attempt >= policy.attempts || options.signal?.aborted || !(options.retryable?.(error) ?? true);
      if (last) throw error;
      const delayMs = policy.firstDelayMs * 2 ** (attempt - 1);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // Not unref'd: a start-up retry may be all the process has to do, and must not let it end quietly
    // (status 0) before the last attempt fails; a shutdown ends the wait through the signal.
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
