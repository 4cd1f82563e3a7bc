import { Injectable } from '@nestjs/common';
import { assertActsForProvider, Caller } from '../access/caller';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { HoldStore } from '../holds/hold-store';
import { OpenSlotsQuery, PostScheduleDto, ScheduleView } from './dto/schedule.dto';
import { ProviderEntity } from './entities/provider.entity';
import { ProvidersService } from './providers.service';
import { ScheduleRepository } from './schedule.repository';
import {
  CalendarDate,
  daySlots,
  indexToWallTime,
  mergeIndexes,
  parseDate,
  parseWallTime,
  DaySlot,
  SLOT_MINUTES,
  SLOTS_PER_DAY,
  startsThatFit,
  windowIndexes,
} from '../scheduling/slots';

/** What a provider's day looks like to a request: its real slots and which of them are bookable. */
export interface ProviderDay {
  provider: ProviderEntity;
  date: CalendarDate;
  timeZone: string;
  slots: readonly DaySlot[];
  /** Published, not booked by a confirmed appointment, and not yet started. */
  bookable: Set<number>;
}

const EVERY_SLOT_INDEX = Array.from({ length: SLOTS_PER_DAY }, (_, index) => index);

@Injectable()
export class ScheduleService {
  constructor(
    private readonly providers: ProvidersService,
    private readonly schedule: ScheduleRepository,
    private readonly holds: HoldStore,
    private readonly clock: Clock,
  ) {}

  async publish(dto: PostScheduleDto, caller: Caller): Promise<ScheduleView> {
    assertActsForProvider(caller, dto.provider_id);
    const startMinutes = parseWallTime(dto.start_time)!;
    const endMinutes = parseWallTime(dto.end_time)!;
    if (endMinutes <= startMinutes) throw AppError.field('end_time', 'end_time must be after start_time');
    if (startMinutes >= 24 * 60) throw AppError.field('start_time', 'start_time must be before 24:00');
    const provider = await this.providers.get(dto.provider_id);
    const date = parseDate(dto.date)!;

    const wanted = new Set(windowIndexes(startMinutes, endMinutes));
    // Wall-clock times that a daylight-saving jump skips that day are not slots.
    const windowSlots = daySlots(date, provider.timeZone).filter((slot) => wanted.has(slot.index));
    await this.schedule.publish(
      provider.id,
      dto.date,
      windowSlots.map((slot) => slot.index),
    );
    const published = await this.schedule.publishedIndexes(provider.id, dto.date);
    return {
      provider_id: provider.id,
      date: dto.date,
      time_zone: provider.timeZone,
      slots: windowSlots.map((slot) => slot.view),
      windows: mergeIndexes(published).map((range) => ({
        start_time: indexToWallTime(range.start),
        end_time: indexToWallTime(range.end),
      })),
    };
  }

  async openSlots(query: OpenSlotsQuery): Promise<ScheduleView> {
    const slotCount = (query.duration_minutes ?? SLOT_MINUTES) / SLOT_MINUTES;
    // The database and the hold store are asked at once: the listing waits for the slower, not both.
    const [day, held] = await Promise.all([
      this.providerDay(query.provider_id, query.date),
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

  /** The provider's real slots that day and which can be booked; 404 for an unknown provider. */
  async providerDay(providerId: number, isoDate: string): Promise<ProviderDay> {
    const found = await this.schedule.providerDay(providerId, isoDate);
    if (!found) throw new AppError('PROVIDER_NOT_FOUND', `Provider ${providerId} does not exist`);
    const { provider, bookable: bookableIndexes } = found;
    const date = parseDate(isoDate)!;
    const now = this.clock.nowMs();
    const slots = daySlots(date, provider.timeZone);
    const startsByIndex = new Map(slots.map((slot) => [slot.index, slot.startMs]));
    const bookable = new Set(
      bookableIndexes.filter((index) => {
        const startMs = startsByIndex.get(index);
        return startMs !== undefined && startMs > now;
      }),
    );
    return { provider, date, timeZone: provider.timeZone, slots, bookable };
  }
}
