import { MAX_BODY_DEPTH, nestsDeeperThan } from './request-body';

/** `levels` arrays inside one another around `inner`: `nested(2, 1)` is `[[1]]`. */
const nested = (levels: number, inner: unknown = 1): unknown => {
  let value = inner;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};

describe(nestsDeeperThan.name, () => {
  it.each([
    ['a number', 7, 0],
    ['a string', 'text', 0],
    ['null', null, 0],
    ['an empty object', {}, 1],
    ['a flat object', { token: 'abc', n: 1 }, 1],
    ['an object holding an array', { items: [1, 2] }, 2],
    ['an array of objects', [{ a: 1 }, { b: [] }], 3],
    ['32 levels', nested(32), 32],
    ['a deep branch beside shallow ones', { a: 1, b: [[[{}]]], c: {} }, 5],
  ])('%s is %i deep', (_name, value, depth) => {
    expect(nestsDeeperThan(value, depth)).toBe(false);
    if (depth > 0) expect(nestsDeeperThan(value, depth - 1)).toBe(true);
  });

  it('answers for 2,000 and 30,000 levels without overflowing the stack', () => {
    expect(nestsDeeperThan({ token: nested(2_000) }, MAX_BODY_DEPTH)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(`${'['.repeat(30_000)}${']'.repeat(30_000)}`), MAX_BODY_DEPTH)).toBe(true);
  });

  it('lets the deepest body the API takes through', () => {
    expect(nestsDeeperThan({ hours: [{ weekday: 1, start_time: '09:00' }] }, MAX_BODY_DEPTH)).toBe(false);
  });
});
