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
