import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { CacheBus } from '../cache/cache-bus';
import { LocalCache, Loaded } from '../cache/local-cache';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { DomainEventMap, OnDomainEvent } from '../common/domain-events';
import { HoldDay, HoldStore, SlotHolder } from '../holds/hold-store';
import { MetricsService } from '../metrics/metrics.service';
import { OpenSlotsQuery, ScheduleView } from '../providers/dto/schedule.dto';
import { ProviderDay, ScheduleService } from '../providers/schedule.service';
import { adjacentReach, AvailabilityFacts, openSlots, Refusal, SlotRef, takeable, TakenInterval } from '../scheduling/availability';
import {
  DaySlot,
  daySlots,
  localDate,
  parseDate,
  parseWallTime,
  Slot,
  SLOT_MINUTES,
  SLOTS_PER_DAY,
  startsThatFit,
} from '../scheduling/slots';
import { AppointmentsRepository, BookedSlot } from './appointments.repository';
import { datesTouched, openDayKey, providerDaysPrefix } from './open-day';

const EVERY_SLOT_INDEX = Array.from({ length: SLOTS_PER_DAY }, (_, index) => index);
const SLOT_MS = SLOT_MINUTES * 60_000;

/**
 * No day is listed from the cache older than this, whatever the bus says: the bound on a lost
 * invalidation, and on a day that comes within the booking horizon when the provider's today advances
 * (nothing announces that instant, and a day entering the horizon may trail it by this much).
 */
const LISTING_MAX_AGE_MS = 1000;
/**
 * Provider-days each process keeps: a day is a few KB per duration asked (up to ~100 KB for a fully open
 * day asked in every duration), and an entry lives at most LISTING_MAX_AGE_MS, so only days asked more
 * often than that gain from being kept.
 */
const LISTING_MAX_DAYS = 1000;

/** A provider's day as a write sees it. */
export interface BookableDay extends ProviderDay {
  /** The slots that may be taken now, each on its own (for takeableSlots: as the moved appointment sees them). */
  bookable: Set<number>;
}

/** What a request (or a reschedule) asks to take. */
export interface TakeableRequest {
  providerId: number;
  date: string;
  startIndex: number;
  slotCount: number;
  /** The appointment being moved: its own held and booked slots and their buffers do not count. */
  exceptAppointment?: { id: number; holdId: string };
}

/** Slots that may be taken, and the buffer slots the hold store must find free when they are claimed. */
export interface TakeableSlots {
  day: BookableDay;
  slots: DaySlot[];
  mustBeFree: SlotRef[];
}

/** A change to a provider's day; the times it touched, when known, say whether a buffer reaches the adjacent days. */
export interface DayChange extends HoldDay {
  slotIndexes?: readonly number[];
  /** Wall-clock `HH:mm`, as the appointment events carry them. */
  startTime?: string;
  endTime?: string;
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
 * Which slots can be taken, decided by the one availability function (src/scheduling/availability.ts)
 * over facts read fresh here: the schedule's open hours and the provider's rules, the slots booked (ours)
 * and held (the hold store's) on the day and, when a buffer reaches across midnight, on the days beside
 * it. The listing and every write ask the same function, so what the listing offers is what a request
 * may take. Listings are served from a per-process cache of each provider-day, dropped on every process
 * after each change to that day (the events below, and SlotHolds for the hold store), and kept no longer
 * than the instant the day would change by itself (a slot's start or notice, a hold's lapse) or
 * LISTING_MAX_AGE_MS.
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
   * The slots a request (or a reschedule) asks for, if the booking rules let it take them now, with the
   * buffer slots its claim must find free; read fresh, never from the listing cache. Throws the rule's
   * AppError (SLOT_UNAVAILABLE, TOO_SOON, TOO_FAR_AHEAD), or PROVIDER_NOT_FOUND.
   */
  async takeableSlots(request: TakeableRequest): Promise<TakeableSlots> {
    const { providerId, date, startIndex, slotCount, exceptAppointment } = request;
    const except = exceptAppointment && { appointmentId: exceptAppointment.id, holdId: exceptAppointment.holdId };
    const { day, facts } = await this.readFacts(providerId, date, except);
    const verdict = takeable(facts, startIndex, slotCount);
    if (!verdict.ok) throw refusalError(verdict.refusal);
    return { day: { ...day, bookable: openSlots(facts).open }, slots: verdict.slots, mustBeFree: verdict.mustBeFree };
  }

  /**
   * The date's real slots and those that may be taken now, each on its own, read fresh (never from the
   * listing cache): the same decision as the listing's, for the waitlist to choose offers from.
   */
  async openNow(providerId: number, date: string): Promise<{ slots: readonly DaySlot[]; open: Set<number> }> {
    const { day, facts } = await this.readFacts(providerId, date);
    return { slots: day.slots, open: openSlots(facts).open };
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
   * Drops the listings a change to a day's holds or bookings can change, here at once and on the other
   * processes: the day's, and the adjacent day's when the change lies near enough to midnight for a
   * buffer to reach across. Called once the change is done. The message to the others is not waited
   * for: it leaves on the Redis connection at once, and a request that changed the day (a hold) pays no
   * second round trip for it.
   */
  @OnDomainEvent('appointment.confirmed')
  @OnDomainEvent('appointment.cancelled')
  @OnDomainEvent('appointment.expired')
  forgetDay(change: DayChange): void {
    const [first, end] = touchedIndexes(change);
    this.forgetDates(change.providerId, datesTouched(change.date, first, end));
  }

  /** Drops these dates' listings (each once), here at once and on the other processes. */
  forgetDates(providerId: number, dates: readonly string[]): void {
    if (dates.length > 0) void this.days.invalidate(...new Set(dates.map((date) => openDayKey(providerId, date))));
  }

  /** New hours on one date change only that date's listing (buffers come from holds and bookings, not hours). */
  @OnDomainEvent('schedule.published')
  forgetPublishedDay(day: HoldDay): void {
    void this.days.invalidate(openDayKey(day.providerId, day.date));
  }

  /** Weekly hours or booking rules changed: every listed day of the provider goes, on every process. */
  @OnDomainEvent('schedule.hours_changed')
  forgetProvider({ providerId }: { providerId: number }): void {
    void this.days.invalidatePrefix(providerDaysPrefix(providerId));
  }

  /** A moved appointment changed two days (or one twice): the one it left and the one it took. */
  @OnDomainEvent('appointment.rescheduled')
  forgetBothDays(moved: DomainEventMap['appointment.rescheduled']): void {
    this.forgetDay(moved);
    if (moved.previousDate !== moved.date) this.forgetDay({ providerId: moved.providerId, date: moved.previousDate });
  }

  private async loadOpenDay(providerId: number, date: string): Promise<Loaded<OpenDay>> {
    const { day, facts } = await this.readFacts(providerId, date);
    const { open, changesAt } = openSlots(facts);
    return {
      value: { providerId, date, timeZone: day.timeZone, slots: day.slots, open, answers: new Map() },
      validUntilMs: changesAt,
    };
  }

  /**
   * Everything the availability function needs, read fresh: the schedule's day (with the provider and its
   * rules), the day's booked and held slots all at once, then, only when a buffer reaches across
   * midnight from the day's hours, the adjacent days' booked and held slots within its reach. Indexed
   * look-ups by provider and date: the cost does not grow with the provider's history.
   */
  private async readFacts(
    providerId: number,
    date: string,
    except?: AvailabilityFacts['except'],
  ): Promise<{ day: ProviderDay; facts: AvailabilityFacts<DaySlot> }> {
    // Read before the day is: no slot that starts after this instant can have been left out as started.
    const nowMs = this.clock.nowMs();
    const [day, booked, held] = await Promise.all([
      this.schedule.providerDay(providerId, date),
      this.appointments.bookedSlots(providerId, [date]),
      this.holds.holders({ providerId, date }, EVERY_SLOT_INDEX),
    ]);
    const { rules } = day.provider;
    const taken = [...bookedTime(booked), ...heldTime(day.slots, held)];
    const reach = adjacentReach(date, day.timeZone, day.slots, day.hours, rules.bufferMinutes);
    if (reach.length > 0) taken.push(...(await this.takenAround(providerId, day.timeZone, reach)));
    const facts: AvailabilityFacts<DaySlot> = {
      date,
      timeZone: day.timeZone,
      slots: day.slots,
      hours: day.hours,
      nowMs,
      today: localDate(nowMs, day.timeZone),
      rules,
      taken,
      except,
    };
    return { day, facts };
  }

  /** The booked and held time among `reach`, slots of the dates beside a day. */
  private async takenAround(providerId: number, timeZone: string, reach: readonly SlotRef[]): Promise<TakenInterval[]> {
    const byDate = new Map<string, number[]>();
    for (const ref of reach) byDate.set(ref.date, [...(byDate.get(ref.date) ?? []), ref.index]);
    const dates = [...byDate.keys()];
    const [booked, ...held] = await Promise.all([
      this.appointments.bookedSlots(providerId, dates),
      ...dates.map((date) => this.holds.holders({ providerId, date }, byDate.get(date)!)),
    ]);
    const heldAround = dates.flatMap((date, i) => heldTime(daySlots(parseDate(date)!, timeZone), held[i]));
    return [...bookedTime(booked), ...heldAround];
  }
}

function bookedTime(booked: readonly BookedSlot[]): TakenInterval[] {
  return booked.map((slot) => ({ startMs: slot.startsAt, endMs: slot.startsAt + SLOT_MS, appointmentId: slot.appointmentId }));
}

function heldTime(slots: readonly Slot[], held: ReadonlyMap<number, SlotHolder>): TakenInterval[] {
  return slots.flatMap((slot) => {
    const holder = held.get(slot.index);
    return holder ? [{ startMs: slot.startMs, endMs: slot.endMs, holdId: holder.holdId, until: holder.until }] : [];
  });
}

/** The slot indexes [first, end) a change touched, when it says. */
function touchedIndexes(change: DayChange): [number | undefined, number | undefined] {
  if (change.slotIndexes && change.slotIndexes.length > 0) {
    return [Math.min(...change.slotIndexes), Math.max(...change.slotIndexes) + 1];
  }
  const start = change.startTime === undefined ? null : parseWallTime(change.startTime);
  const end = change.endTime === undefined ? null : parseWallTime(change.endTime);
  return [start === null ? undefined : start / SLOT_MINUTES, end === null ? undefined : Math.ceil(end / SLOT_MINUTES)];
}

function refusalError(refusal: Refusal): AppError {
  switch (refusal) {
    case 'TOO_SOON':
      return new AppError('TOO_SOON', "That slot starts sooner than the provider's minimum notice allows");
    case 'TOO_FAR_AHEAD':
      return new AppError('TOO_FAR_AHEAD', "That date is past the provider's booking horizon");
    case 'SLOT_UNAVAILABLE':
      return new AppError(
        'SLOT_UNAVAILABLE',
        "That slot is not open: it is held, booked, inside another appointment's buffer, outside the open hours or already past",
      );
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
