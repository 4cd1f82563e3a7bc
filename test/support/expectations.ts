import { OUTCOME_UNKNOWN_DETAIL } from '../../src/common/problem';
import { backendKind } from './backend';
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
 * The details of a 503 whose database passed a deadline (src/common/problem.ts), and of no other: the
 * pool's wait or a statement's (rolled back whole), or node-postgres's read timeout (whose change may
 * have been made whole; asked again, it meets its own effect, as a client reading it back would).
 */
const DEADLINE_PASSED = ['A backing service did not answer in time; nothing was changed', OUTCOME_UNKNOWN_DETAIL];

/**
 * The answers of a burst, those a starved machine answered 503 because a deadline passed (the database
 * pool's 3 s wait, the 5 s statement deadline) asked again once the burst is over, one at a time, as the
 * contract tells clients to: such a request was rolled back whole. Any other 503 fails the spec (the
 * product's own, such as a queue that kept changing), and so do deadlines passed by more than half the
 * burst: a lock held too long would otherwise leave the retries to serve the burst one by one, unseen.
 * The embedded back end has no deadline to pass (one SQLite connection, waited for without end), so
 * there any 503 fails.
 */
export async function askedAgainWhileUnavailable<T extends { status: number; body: any }>(
  answers: T[],
  askAgain: (index: number) => Promise<T>,
): Promise<T[]> {
  const unavailable = answers.flatMap((answer, index) => (answer.status === 503 ? [index] : []));
  for (const index of unavailable) expectDeadlinePassed(index, answers[index]);
  const mayPass = backendKind() === 'services' ? Math.floor(answers.length / 2) : 0;
  if (unavailable.length > mayPass) {
    throw new Error(
      `${unavailable.length} of the burst's ${answers.length} requests passed a database deadline (at most ${mayPass} may ` +
        `on the ${backendKind()} back end): something held a connection or a lock too long`,
    );
  }
  const settled = [...answers];
  for (const index of unavailable) {
    let answer = answers[index];
    for (let tries = 1; answer.status === 503 && tries <= 3; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200 * tries));
      answer = await askAgain(index);
      if (answer.status === 503) expectDeadlinePassed(index, answer);
    }
    settled[index] = answer;
  }
  return settled;
}

function expectDeadlinePassed(index: number, answer: { status: number; body: any }): void {
  const { code, detail } = answer.body ?? {};
  expect({ request: index, status: answer.status, code, detail }).toEqual({
    request: index,
    status: 503,
    code: 'UNAVAILABLE',
    detail: DEADLINE_PASSED.includes(detail) ? detail : DEADLINE_PASSED[0],
  });
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
