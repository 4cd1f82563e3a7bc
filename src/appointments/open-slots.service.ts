import { Injectable } from '@nestjs/common';
import { HoldStore } from '../holds/hold-store';
import { OpenSlotsQuery, ScheduleView } from '../providers/dto/schedule.dto';
import { ProviderDay, ScheduleService } from '../providers/schedule.service';
import { SLOT_MINUTES, SLOTS_PER_DAY, startsThatFit } from '../scheduling/slots';
import { AppointmentsRepository } from './appointments.repository';

const EVERY_SLOT_INDEX = Array.from({ length: SLOTS_PER_DAY }, (_, index) => index);

/** A provider's day as a request sees it: what the schedule offers less what is booked. */
export interface BookableDay extends ProviderDay {
  /** Offered by the schedule and not taken by a confirmed appointment. */
  bookable: Set<number>;
}

/** What can be asked for: the provider's published slots less those booked (ours) and held (the hold store's). */
@Injectable()
export class OpenSlotsService {
  constructor(
    private readonly schedule: ScheduleService,
    private readonly appointments: AppointmentsRepository,
    private readonly holds: HoldStore,
  ) {}

  /**
   * The provider's day with the slots no confirmed appointment has taken. Each module asks its own
   * tables (the schedule its published slots, we our booked ones), both at once, and the booked are
   * subtracted here.
   */
  async bookableDay(providerId: number, date: string): Promise<BookableDay> {
    const [day, booked] = await Promise.all([
      this.schedule.providerDay(providerId, date),
      this.appointments.bookedSlotIndexes(providerId, date),
    ]);
    const taken = new Set(booked);
    return { ...day, bookable: new Set([...day.offered].filter((index) => !taken.has(index))) };
  }

  async list(query: OpenSlotsQuery): Promise<ScheduleView> {
    const slotCount = (query.duration_minutes ?? SLOT_MINUTES) / SLOT_MINUTES;
    // The database and the hold store are asked at once: the listing waits for the slower, not both.
    const [day, held] = await Promise.all([
      this.bookableDay(query.provider_id, query.date),
      this.holds.heldSlots({ providerId: query.provider_id, date: query.date }, EVERY_SLOT_INDEX),
    ]);
    const open = new Set(day.slots.filter((slot) => day.bookable.has(slot.index) && !held.has(slot.index)).map((slot) => slot.index));
    return {
      provider_id: query.provider_id,
      date: query.date,
      time_zone: day.timeZone,
      slots: startsThatFit(day.slots, open, slotCount).map((slot) => slot.view),
    };
  }
}
