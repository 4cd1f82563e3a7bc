import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { throttledWarning } from '../common/log-throttle';
import { DomainEventMap, OnDomainEvent } from '../common/domain-events';
import { WaitlistService } from './waitlist.service';

/**
 * How often each process looks at every day where someone waits: the net under the events, for an
 * offer missed because a process died between a commit and its listener (or an opening nobody
 * announces, such as notice time passing a hold that kept a slot). One index probe when nobody waits.
 */
export const RECONCILE_INTERVAL_MS = 30_000;

/**
 * Makes offers whenever slots may have opened: a cancellation, a lapsed hold (the sweeper tells it, in
 * every process, with nobody listing the day), a reschedule's old slots, new hours for a date or the
 * week, a new entry; and every RECONCILE_INTERVAL_MS for every day with someone waiting. The events
 * only queue the day, so the change that caused them is answered without waiting for the offers; one
 * day is worked at a time per process, each day once however many events name it meanwhile. Several
 * processes may work one day at once: the hold store's claim and the entry's compare-and-set decide.
 * A timer loop rather than @nestjs/schedule, as the hold sweeper: shutdown waits for the pass in hand.
 */
@Injectable()
export class WaitlistTriggers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WaitlistTriggers.name);
  private readonly warnDown = throttledWarning(this.logger);
  /** Days to look at, by `provider|date`, each once. */
  private readonly queued = new Map<string, { providerId: number; date: string }>();
  private working: Promise<void> | undefined;
  private reconciling: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly waitlist: WaitlistService) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.scheduleReconcile(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.queued.clear();
    await Promise.all([this.reconciling, this.working]);
  }

  @OnDomainEvent('appointment.cancelled')
  @OnDomainEvent('appointment.expired')
  @OnDomainEvent('schedule.published')
  @OnDomainEvent('waitlist.joined')
  dayChanged(day: { providerId: number; date: string }): void {
    this.queue(day.providerId, day.date);
  }

  /** A move frees the slots it left on its previous date. */
  @OnDomainEvent('appointment.rescheduled')
  appointmentMoved(moved: DomainEventMap['appointment.rescheduled']): void {
    this.queue(moved.providerId, moved.previousDate);
  }

  /**
   * Weekly hours or booking rules changed: any of the provider's days with someone waiting may have
   * opened. Looked up without holding up the change that told it.
   */
  @OnDomainEvent('schedule.hours_changed')
  hoursChanged({ providerId }: { providerId: number }): void {
    if (!this.running) return;
    this.waitlist.waitingDays(providerId).then(
      (days) => days.forEach((day) => this.queue(day.providerId, day.date)),
      (error: unknown) =>
        this.warnDown(
          `Waitlist days of provider ${providerId} not looked up, the reconcile retries: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  }

  /** Queues a day and starts working the queue unless that is under way. */
  queue(providerId: number, date: string): void {
    if (!this.running) return;
    this.queued.set(`${providerId}|${date}`, { providerId, date });
    if (!this.working) this.startWork();
  }

  private startWork(): void {
    this.working = this.work().finally(() => {
      this.working = undefined;
      // A day queued after the loop found none left, before this ran, found the work still under way.
      if (this.running && this.queued.size > 0) this.startWork();
    });
  }

  private async work(): Promise<void> {
    // A day queued while the last one is worked is picked up by this same loop.
    for (let next = this.takeNext(); next && this.running; next = this.takeNext()) {
      try {
        await this.waitlist.offerFor(next.providerId, next.date);
      } catch (error) {
        this.warnDown(
          `Waitlist offers for provider ${next.providerId} on ${next.date} not made, the next pass retries: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  private takeNext(): { providerId: number; date: string } | undefined {
    const [first] = this.queued;
    if (!first) return undefined;
    this.queued.delete(first[0]);
    return first[1];
  }

  private scheduleReconcile(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.reconciling = this.reconcile().finally(() => {
        this.reconciling = undefined;
        this.scheduleReconcile(RECONCILE_INTERVAL_MS);
      });
    }, delayMs);
  }

  private async reconcile(): Promise<void> {
    try {
      for (const day of await this.waitlist.waitingDays()) this.queue(day.providerId, day.date);
    } catch (error) {
      this.warnDown(`Waitlist not reconciled, will retry: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
