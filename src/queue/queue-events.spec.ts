import { Logger } from '@nestjs/common';
import { MemoryQueueEvents, QueueChange } from './queue-events';

const change = (providerId: number, date: string, revision: number): QueueChange => ({
  providerId,
  date,
  revision,
  queue: { provider_id: providerId, date, now_serving: null, entries: [], average_service_minutes: 15, pace: 1, revision },
  departed: [],
});
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe(MemoryQueueEvents.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('delivers one change once to every subscriber of that queue, and to no other', async () => {
    const sut = new MemoryQueueEvents();
    const [first, second, otherDay, otherProvider] = [[], [], [], []] as number[][];
    sut.subscribe(1, '2026-07-28', (c) => first.push(c.revision));
    sut.subscribe(1, '2026-07-28', (c) => second.push(c.revision));
    sut.subscribe(1, '2026-07-29', (c) => otherDay.push(c.revision));
    sut.subscribe(2, '2026-07-28', (c) => otherProvider.push(c.revision));
    await sut.publish(change(1, '2026-07-28', 1));
    await sut.publish(change(1, '2026-07-28', 2));
    await settle();
    expect([first, second, otherDay, otherProvider]).toEqual([[1, 2], [1, 2], [], []]);
  });

  it('does not deliver while the publisher is still running', async () => {
    const sut = new MemoryQueueEvents();
    const got: number[] = [];
    sut.subscribe(1, 'd', (c) => got.push(c.revision));
    await sut.publish(change(1, 'd', 1));
    expect(got).toEqual([]);
    await settle();
    expect(got).toEqual([1]);
  });

  it('forgets a subscriber that stopped', async () => {
    const sut = new MemoryQueueEvents();
    const got: number[] = [];
    const stop = sut.subscribe(1, 'd', (c) => got.push(c.revision));
    expect(sut.listenerCount()).toBe(1);
    stop();
    stop();
    expect(sut.listenerCount()).toBe(0);
    await sut.publish(change(1, 'd', 1));
    await settle();
    expect(got).toEqual([]);
  });

  it('a subscriber that throws does not keep the change from the others', async () => {
    const sut = new MemoryQueueEvents();
    const got: number[] = [];
    sut.subscribe(1, 'd', () => {
      throw new Error('broken screen');
    });
    sut.subscribe(1, 'd', (c) => got.push(c.revision));
    await sut.publish(change(1, 'd', 1));
    await settle();
    expect(got).toEqual([1]);
  });

  it('a subscriber that stops another while a change is delivered does not break the delivery', async () => {
    const sut = new MemoryQueueEvents();
    const got: string[] = [];
    let stopSecond = () => {};
    sut.subscribe(1, 'd', () => {
      got.push('first');
      stopSecond();
    });
    stopSecond = sut.subscribe(1, 'd', () => got.push('second'));
    await sut.publish(change(1, 'd', 1));
    await settle();
    await sut.publish(change(1, 'd', 2));
    await settle();
    expect(got).toEqual(['first', 'second', 'first']);
  });
});
