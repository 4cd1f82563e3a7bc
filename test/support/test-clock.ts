import { Clock } from '../../src/common/clock';

/** A clock the test sets and moves forward, injected in place of the app's Clock. */
export class TestClock extends Clock {
  constructor(private current: number) {
    super();
  }

  override now(): Date {
    return new Date(this.current);
  }

  set(instantMs: number): void {
    this.current = instantMs;
  }

  advance(minutes: number): void {
    this.current += minutes * 60_000;
  }
}
