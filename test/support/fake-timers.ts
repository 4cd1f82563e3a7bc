/** The timer functions Jest can fake; a spec fakes the ones it drives and leaves the rest real. */
const TIMERS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] as const;
const ALWAYS_REAL = ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate'] as const;

/**
 * Fakes only `faked` (`setTimeout` with its `clearTimeout`, or `setInterval` with its `clearInterval`):
 * those fire when the test advances them, while the clocks, setImmediate and the sockets run as ever.
 */
export function fakeOnly(faked: 'timeouts' | 'intervals'): void {
  const fakedNames: readonly string[] = faked === 'timeouts' ? ['setTimeout', 'clearTimeout'] : ['setInterval', 'clearInterval'];
  jest.useFakeTimers({ doNotFake: [...ALWAYS_REAL, ...TIMERS.filter((name) => !fakedNames.includes(name))] });
}
