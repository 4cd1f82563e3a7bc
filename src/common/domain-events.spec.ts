import { Injectable, INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CapturingLogger } from '../../test/support/capturing-logger';
import { DomainEventMap, DomainEvents, OnDomainEvent } from './domain-events';
import { DomainEventsModule } from './domain-events.module';

const cancelled: DomainEventMap['appointment.cancelled'] = {
  appointmentId: 7,
  providerId: 1,
  clientId: 2,
  date: '2030-01-02',
  startTime: '09:00',
  endTime: '09:15',
  startAt: Date.UTC(2030, 0, 2, 9),
  endAt: Date.UTC(2030, 0, 2, 9, 15),
  cancelledAt: Date.UTC(2030, 0, 1),
  previousStatus: 'confirmed',
  cancellationReason: null,
};

/** Listens the way a feature module does; its second listener fails on purpose. */
@Injectable()
class CancellationListeners {
  readonly heard: string[] = [];
  releaseSlowListener: () => void = () => undefined;

  @OnDomainEvent('appointment.cancelled')
  async slowlyNoteCancellation(event: DomainEventMap['appointment.cancelled']): Promise<void> {
    await new Promise<void>((resolve) => (this.releaseSlowListener = resolve));
    this.heard.push(`slow:${event.appointmentId}`);
  }

  @OnDomainEvent('appointment.cancelled')
  failOnCancellation(): never {
    throw new Error('listener broke');
  }

  /** Takes only what it reads: a narrower parameter fits. */
  @OnDomainEvent('appointment.cancelled')
  noteCancellation(event: { appointmentId: number }): void {
    this.heard.push(`plain:${event.appointmentId}`);
  }
}

/*
 * Checked by the type check (`npm run typecheck`, run before the tests), never run: each line below
 * must fail to compile, or `@ts-expect-error` itself is the error.
 */
export class MisplacedListener {
  // @ts-expect-error a listener whose parameter does not fit the event does not compile
  @OnDomainEvent('queue.called')
  noteCall(event: DomainEventMap['appointment.cancelled']): string {
    return event.previousStatus;
  }
}

export function emitsThatDoNotCompile(events: DomainEvents): void {
  // @ts-expect-error a cancellation needs its facts, cancelledAt and previousStatus
  void events.emit('appointment.cancelled', { appointmentId: 7 });
  // @ts-expect-error a queue event's payload is not an appointment's
  void events.emit('queue.called', cancelled);
  // @ts-expect-error no such event
  void events.emit('appointment.vanished', cancelled);
}

describe(DomainEvents.name, () => {
  let app: INestApplicationContext;
  let sut: DomainEvents;
  let listeners: CancellationListeners;
  let logger: CapturingLogger;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [DomainEventsModule], providers: [CancellationListeners] }).compile();
    logger = new CapturingLogger();
    moduleRef.useLogger(logger);
    app = await moduleRef.init();
    sut = app.get(DomainEvents);
    listeners = app.get(CancellationListeners);
  });

  afterEach(() => app.close());

  it('reaches every @OnDomainEvent listener of the event with its payload', async () => {
    const emitted = sut.emit('appointment.cancelled', cancelled);
    listeners.releaseSlowListener();
    await expect(emitted).resolves.toBeUndefined();
    expect(listeners.heard.sort()).toEqual(['plain:7', 'slow:7']);
  });

  it('waits for the listeners to finish before it resolves', async () => {
    let settled = false;
    const emitted = sut.emit('appointment.cancelled', cancelled).then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    listeners.releaseSlowListener();
    await emitted;
    expect(listeners.heard).toContain('slow:7');
  });

  it("logs a listener's failure and never answers it to the emitter", async () => {
    const emitted = sut.emit('appointment.cancelled', cancelled);
    listeners.releaseSlowListener();
    await expect(emitted).resolves.toBeUndefined();
    expect(logger.entries).toContainEqual(expect.objectContaining({ level: 'error', text: expect.stringContaining('listener broke') }));
  });
});
