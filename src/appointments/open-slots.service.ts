import { Injectable } from '@nestjs/common';
import { HoldStore } from '../holds/hold-store';
import { OpenSlotsQuery, ScheduleView } from '../providers/dto/schedule.dto';
import { ProviderDay, ScheduleService } from '../providers/schedule.service';
import { SLOT_MINUTES, SLOTS_PER_DAY, startsThatFit } from '../scheduling/slots';
import { AppointmentsRepository } from './appointments.repository';

const EVERY_SLOT_INDEX = Array.from({ length: SLOTS_PER_DAY }, (_, index) => index);

/** What can be asked for: the provider's published slots less those booked (ours) and held (the hold store's). */
@Injectable()
export class OpenSlotsService {
  constructor(
    private readonly schedule: ScheduleService,
    private readonly appointments: AppointmentsRepository,
    private readonly holds: HoldStore,
  ) {}

  /**
   * The provider's day with the slots no confirmed appointment has taken. The booked slots are our
   * query, run inside the schedule's: one round trip for a hot path.
   */
  bookableDay(providerId: number, date: string): Promise<ProviderDay> {
    return this.schedule.providerDay(providerId, date, this.appointments.bookedSlotIndexes(providerId, date));
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
