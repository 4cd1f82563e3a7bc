/** What the order of a queue looks at in a waiting entry. */
export interface Orderable {
  id: number;
  priority: boolean;
  /** Its appointment's start, or a walk-in's check-in time. */
  queueAt: number;
  checkedInAt: number;
}

/**
 * The base order: by appointment start (a walk-in by its check-in time), ties by check-in order
 * (then by id, which grows with it).
 */
export function baseOrder<T extends Orderable>(a: T, b: T): number {
  return a.queueAt - b.queueAt || a.checkedInAt - b.checkedInAt || a.id - b.id;
}

/**
 * The order in which waiting entries will be called. Priority entries go first, but never more than
 * `streakLimit` priority calls in a row while a non-priority entry waits: after that many, the first
 * non-priority entry is called, and the count starts again. `streak` is the count the last calls left
 * (see nextStreak). Among equals, the base order holds. Pure: it reads nothing but its arguments.
 */
export function queueOrder<T extends Orderable>(waiting: readonly T[], streak: number, streakLimit: number): T[] {
  const priority = waiting.filter((entry) => entry.priority).sort(baseOrder);
  const regular = waiting.filter((entry) => !entry.priority).sort(baseOrder);
  const order: T[] = [];
  let inARow = streak;
  while (priority.length > 0 || regular.length > 0) {
    const priorityTurn = priority.length > 0 && (regular.length === 0 || inARow < streakLimit);
    const called = priorityTurn ? priority.shift()! : regular.shift()!;
    inARow = nextStreak(inARow, called, regular.length > 0);
    order.push(called);
  }
  return order;
}

/**
 * The priority calls in a row after `called` is called: one more when a priority entry was called
 * while a non-priority one still waited (it was passed over), none otherwise.
 */
export function nextStreak(streak: number, called: Pick<Orderable, 'priority'>, regularStillWaiting: boolean): number {
  return called.priority && regularStillWaiting ? streak + 1 : 0;
}
