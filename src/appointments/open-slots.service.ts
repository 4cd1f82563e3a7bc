import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { CacheBus } from '../cache/cache-bus';
import { LocalCache, Loaded } from '../cache/local-cache';
import { Clock } from '../common/clock';
import { DomainEventMap, OnDomainEvent } from '../common/domain-events';
import { HoldDay, HoldStore } from '../holds/hold-store';
import { MetricsService } from '../metrics/metrics.service';
import { OpenSlotsQuery, ScheduleView } from '../providers/dto/schedule.dto';
import { ProviderDay, ScheduleService } from '../providers/schedule.service';
import { DaySlot, SLOT_MINUTES, SLOTS_PER_DAY, startsThatFit } from '../scheduling/slots';
import { AppointmentsRepository } from './appointments.repository';
import { openDayKey, openIndexes, openUntil } from './open-day';

const EVERY_SLOT_INDEX = Array.from({ length: SLOTS_PER_DAY }, (_, index) => index);

/** No day is listed from the cache older than this, whatever the bus says: the bound on a lost invalidation. */
const LISTING_MAX_AGE_MS = 1000;
/**
 * Provider-days each process keeps: a day is a few KB per duration asked (up to ~100 KB for a fully open
 * day asked in every duration), and an entry lives at most LISTING_MAX_AGE_MS, so only days asked more
 * often than that gain from being kept.
 */
const LISTING_MAX_DAYS = 1000;

/** A provider's day as the request path sees it: what the schedule offers less what is booked. */
export interface BookableDay extends ProviderDay {
  /** Inside the open hours, not started, and not taken by a confirmed appointment. */
  bookable: Set<number>;
}

/** A provider's day as its listing shows it, with the answers made from it so far. */
interface OpenDay {
  providerId: number;
  date: string;
  timeZone: string;
  slots: readonly DaySlot[];
  open: ReadonlySet<number>;
  /** The JSON answer for each number of consecutive slots asked, made on the first ask. */
  answers: Map<number, Buffer>;
}

/**
 * What can be asked for: the provider's published slots less those booked (ours) and held (the hold
 * store's). Listings are served from a per-process cache of each provider-day, dropped on every
 * process after each change to that day (the events below, and SlotHolds for the hold store), and
 * kept no longer than the instant the day would change by itself (openUntil) or LISTING_MAX_AGE_MS.
 */
@Injectable()
export class OpenSlotsService {
  private readonly days: LocalCache<OpenDay>;
  private readonly listings: Counter<'outcome'>;

  constructor(
    private readonly schedule: ScheduleService,
    private readonly appointments: AppointmentsRepository,
    private readonly holds: HoldStore,
    private readonly clock: Clock,
    private readonly bus: CacheBus,
    metrics: MetricsService,
  ) {
    this.days = new LocalCache<OpenDay>(bus, 'open-slots', {
      maxEntries: LISTING_MAX_DAYS,
      maxAgeMs: LISTING_MAX_AGE_MS,
      nowMs: () => clock.nowMs(),
    });
    this.listings = metrics.addCounter({
      name: 'scheduler_listing_cache_total',
      help:
        "Open-slot listings by where their provider-day came from: this process's cache or a load already under way " +
        '(hit), a load of their own (miss), or a load because invalidations from other processes might be missed (bypass)',
      labelNames: ['outcome'],
    });
  }

  /**
   * The provider's day with the slots no confirmed appointment has taken, read fresh (the request path
   * decides on it). Each module asks its own tables (the schedule its published slots, we our booked
   * ones), both at once, and the booked are subtracted here.
   */
  async bookableDay(providerId: number, date: string): Promise<BookableDay> {
    const [day, booked] = await Promise.all([
      this.schedule.providerDay(providerId, date),
      this.appointments.bookedSlotIndexes(providerId, date),
    ]);
    const taken = new Set(booked);
    const now = this.clock.nowMs();
    const bookable = new Set(
      day.slots.filter((slot) => day.hours.has(slot.index) && slot.startMs > now && !taken.has(slot.index)).map((slot) => slot.index),
    );
    return { ...day, bookable };
  }

  /** The listing as its JSON answer, made once per cached version of the day and duration asked. */
  async listing(query: OpenSlotsQuery): Promise<Buffer> {
    const slotCount = (query.duration_minutes ?? SLOT_MINUTES) / SLOT_MINUTES;
    let loaded = false;
    const day = await this.days.get(openDayKey(query.provider_id, query.date), () => {
      loaded = true;
      return this.loadOpenDay(query.provider_id, query.date);
    });
    this.listings.inc({ outcome: !this.bus.live ? 'bypass' : loaded ? 'miss' : 'hit' });
    return answerOf(day, slotCount);
  }

  /**
   * Drops the day's listing here at once and on the other processes; called once a change to it is
   * done. The message to the others is not waited for: it leaves on the Redis connection at once, and
   * a request that changed the day (a hold) pays no second round trip for it.
   */
  @OnDomainEvent('schedule.published')
  @OnDomainEvent('appointment.confirmed')
  @OnDomainEvent('appointment.cancelled')
  @OnDomainEvent('appointment.expired')
  forgetDay(day: HoldDay): void {
    void this.days.invalidate(openDayKey(day.providerId, day.date));
  }

  /** A moved appointment changed two days (or one twice): the one it left and the one it took. */
  @OnDomainEvent('appointment.rescheduled')
  forgetBothDays(moved: DomainEventMap['appointment.rescheduled']): void {
    this.forgetDay(moved);
    if (moved.previousDate !== moved.date) this.forgetDay({ providerId: moved.providerId, date: moved.previousDate });
  }

  private async loadOpenDay(providerId: number, date: string): Promise<Loaded<OpenDay>> {
    // Read before the day is: no slot that starts after this instant can have been left out as started.
    const nowMs = this.clock.nowMs();
    // The database and the hold store are asked at once: the listing waits for the slower, not both.
    const [day, heldUntil] = await Promise.all([
      this.bookableDay(providerId, date),
      this.holds.heldUntil({ providerId, date }, EVERY_SLOT_INDEX),
    ]);
    const facts = { slots: day.slots, bookable: day.bookable, heldUntil, nowMs };
    return {
      value: { providerId, date, timeZone: day.timeZone, slots: day.slots, open: openIndexes(facts), answers: new Map() },
      validUntilMs: openUntil(facts),
    };
  }
}

function answerOf(day: OpenDay, slotCount: number): Buffer {
  let answer = day.answers.get(slotCount);
  if (answer === undefined) {
    const view: ScheduleView = {
      provider_id: day.providerId,
      date: day.date,
      time_zone: day.timeZone,
      slots: startsThatFit(day.slots, day.open, slotCount).map((slot) => slot.view),
    };
    answer = Buffer.from(JSON.stringify(view));
    day.answers.set(slotCount, answer);
  }
  return answer;
}
