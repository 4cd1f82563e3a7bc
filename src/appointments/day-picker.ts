import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { Clock } from '../common/clock';
import { SlotView } from '../providers/dto/schedule.dto';
import { ScheduleView } from '../providers/dto/schedule.dto';
import { localDate } from '../scheduling/slots';
import { OpenSlotsService } from './open-slots.service';

/** How far the pages look for the first day with an open slot when no day is asked for. */
export const FIRST_OPEN_DAY_LOOKAHEAD_DAYS = 60;
/** Days listed at once while looking: a week, so a provider open on weekdays is found in one round. */
const LOOKAHEAD_BATCH_DAYS = 7;

/** One day of the pages' picker: its open starts for the duration asked. */
export interface PickedDay {
  date: string;
  /** The provider's today. */
  today: string;
  slots: SlotView[];
  /** No day was asked: `date` is the first with an open slot, or today when none was found. */
  searched: boolean;
}

/** Adds whole days to a `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

/**
 * The day the booking and manage pages show: the day asked for, or the first day from the provider's
 * today with an open start, looking ahead a bounded number of days. Each day is the public listing's
 * own answer (GET /api/schedule), so a page offers exactly what the listing offers.
 */
@Injectable()
export class DayPicker {
  constructor(
    private readonly openSlots: OpenSlotsService,
    private readonly clock: Clock,
  ) {}

  async pick(request: { providerId: number; timeZone: string; date?: string; durationMinutes: number }): Promise<PickedDay> {
    const today = localDate(this.clock.nowMs(), request.timeZone);
    if (request.date !== undefined) {
      return {
        date: request.date,
        today,
        slots: await this.openStarts(request.providerId, request.date, request.durationMinutes),
        searched: false,
      };
    }
    for (let offset = 0; offset < FIRST_OPEN_DAY_LOOKAHEAD_DAYS; offset += LOOKAHEAD_BATCH_DAYS) {
      const dates = Array.from({ length: Math.min(LOOKAHEAD_BATCH_DAYS, FIRST_OPEN_DAY_LOOKAHEAD_DAYS - offset) }, (_, i) =>
        addDays(today, offset + i),
      );
      const days = await Promise.all(dates.map((date) => this.openStarts(request.providerId, date, request.durationMinutes)));
      const found = days.findIndex((slots) => slots.length > 0);
      if (found >= 0) return { date: dates[found], today, slots: days[found], searched: true };
    }
    return { date: today, today, slots: [], searched: true };
  }

  private async openStarts(providerId: number, date: string, durationMinutes: number): Promise<SlotView[]> {
    // The listing is kept as its JSON answer (OpenSlotsService); read back, it is the same list.
    const listing = await this.openSlots.listing({ provider_id: providerId, date, duration_minutes: durationMinutes });
    return (JSON.parse(listing.toString('utf8')) as ScheduleView).slots;
  }
}
