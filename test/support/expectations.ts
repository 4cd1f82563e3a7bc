import type { RawResponse } from './raw-http';

/** Answers within `ms` or fails: a stalled backing service must never make a request (or a shutdown) hang. */
export async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The answers of a burst, each 503 UNAVAILABLE asked again (up to 5 times) once the burst is over, one
 * at a time, as the contract tells clients to. On a starved machine a request of a burst may wait past the
 * database pool's 3 s, or a lock past the 5 s statement deadline: its transaction is rolled back whole, so
 * asking again is safe, and every request then ends with a definite answer for the spec to judge.
 */
export async function askedAgainWhileUnavailable<T extends { status: number; body: any }>(
  answers: T[],
  askAgain: (index: number) => Promise<T>,
): Promise<T[]> {
  const settled: T[] = [];
  for (const [index, first] of answers.entries()) {
    let answer = first;
    for (let tries = 1; answer.status === 503 && tries <= 5; tries++) {
      expect(answer.body.code).toBe('UNAVAILABLE');
      await new Promise((resolve) => setTimeout(resolve, 200 * tries));
      answer = await askAgain(index);
    }
    settled.push(answer);
  }
  return settled;
}

/** A 503 UNAVAILABLE as problem+json, read off a raw HTTP answer. */
export function expectUnavailableProblem(response: RawResponse): void {
  expect(response.status).toBe(503);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(JSON.parse(response.body)).toMatchObject({
    status: 503,
    code: 'UNAVAILABLE',
    type: expect.any(String),
    title: expect.any(String),
  });
}
