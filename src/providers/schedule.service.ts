import { Injectable } from '@nestjs/common';
import { assertActsForProvider, Caller } from '../access/caller';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/domain-events';
import { PostScheduleDto, ScheduleView } from './dto/schedule.dto';
import { ProviderEntity } from './entities/provider.entity';
import { ProvidersService } from './providers.service';
import { ScheduleRepository } from './schedule.repository';
import {
  CalendarDate,
  daySlots,
  indexToWallTime,
  localDate,
  mergeIndexes,
  parseDate,
  parseWallTime,
  DaySlot,
  windowIndexes,
} from '../scheduling/slots';

/** A provider's day as its schedule has it: its real slots and which of them are inside its open hours. */
export interface ProviderDay {
  provider: ProviderEntity;
  date: CalendarDate;
  timeZone: string;
  slots: readonly DaySlot[];
  /**
   * The real slots inside the date's open hours, whatever the time now; whether one may be booked
   * (started, too soon, too far, taken) is for the appointments to say.
   */
  hours: ReadonlySet<number>;
}

@Injectable()
export class ScheduleService {
  constructor(
    private readonly providers: ProvidersService,
    private readonly schedule: ScheduleRepository,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  async publish(dto: PostScheduleDto, caller: Caller): Promise<ScheduleView> {
    assertActsForProvider(caller, dto.provider_id);
    const startMinutes = parseWallTime(dto.start_time)!;
    const endMinutes = parseWallTime(dto.end_time)!;
    if (endMinutes <= startMinutes) throw AppError.field('end_time', 'end_time must be after start_time');
    if (startMinutes >= 24 * 60) throw AppError.field('start_time', 'start_time must be before 24:00');
    const provider = await this.providers.get(dto.provider_id);
    const today = localDate(this.clock.nowMs(), provider.timeZone);
    // Both are YYYY-MM-DD, so text order is date order. A past day could never be booked.
    if (dto.date < today) throw AppError.field('date', `date must not be before the provider's today (${today}, ${provider.timeZone})`);
    const date = parseDate(dto.date)!;

    const wanted = new Set(windowIndexes(startMinutes, endMinutes));
    // Wall-clock times that a daylight-saving jump skips that day are not slots.
    const windowSlots = daySlots(date, provider.timeZone).filter((slot) => wanted.has(slot.index));
    await this.schedule.publish(
      provider.id,
      dto.date,
      windowSlots.map((slot) => slot.index),
    );
    await this.events.emit('schedule.published', { providerId: provider.id, date: dto.date });
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

  /** The provider's real slots that day and which are inside its open hours. 404 for an unknown provider. */
  async providerDay(providerId: number, isoDate: string): Promise<ProviderDay> {
    const found = await this.schedule.providerDay(providerId, isoDate);
    if (!found) throw new AppError('PROVIDER_NOT_FOUND', `Provider ${providerId} does not exist`);
    const { provider, published } = found;
    const date = parseDate(isoDate)!;
    const slots = daySlots(date, provider.timeZone);
    const open = new Set(published);
    const hours = new Set(slots.filter((slot) => open.has(slot.index)).map((slot) => slot.index));
    return { provider, date, timeZone: provider.timeZone, slots, hours };
  }
}
