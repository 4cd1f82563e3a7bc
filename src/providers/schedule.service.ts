import { Injectable } from '@nestjs/common';
import { assertActsForProvider, Caller } from '../access/caller';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/domain-events';
import { PostScheduleDto, ScheduleView } from './dto/schedule.dto';
import { ProviderEntity } from './entities/provider.entity';
import {
  dayBeforeTodayError,
  indexesToWindows,
  isoWeekday,
  parseWindows,
  realSlotsAmong,
  toWallTimeWindow,
  windowsToIndexes,
} from './open-hours';
import { ProvidersService } from './providers.service';
import { ScheduleRepository } from './schedule.repository';
import { CalendarDate, daySlots, parseDate, DaySlot } from '../scheduling/slots';

/** A provider's day as its schedule has it: its real slots and which of them are inside its open hours. */
export interface ProviderDay {
  provider: ProviderEntity;
  date: CalendarDate;
  timeZone: string;
  slots: readonly DaySlot[];
  /**
   * The real slots inside the date's open hours (its override when it has one, else its weekday's
   * weekly hours), whatever the time now; whether one may be booked (started, too soon, too far,
   * taken) is for the appointments to say.
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

  /**
   * Adds a window to the date's hours (the seed's POST /api/schedule). A date still on its weekly hours
   * first gets an override holding them, so the window adds to what the date had.
   */
  async publish(dto: PostScheduleDto, caller: Caller): Promise<ScheduleView> {
    assertActsForProvider(caller, dto.provider_id);
    const provider = await this.providers.get(dto.provider_id);
    const { windows, errors } = parseWindows([dto]);
    const pastDay = dayBeforeTodayError(dto.date, provider.timeZone, this.clock.nowMs());
    // Every invalid field at once: the day and the window.
    if (pastDay || errors.length > 0) throw AppError.validation([...(pastDay ? [pastDay] : []), ...errors]);
    const date = parseDate(dto.date)!;

    // Stored as written; wall times a daylight-saving jump skips that day are left out when read.
    const windowIndexes = windowsToIndexes(windows);
    const dayIndexes = await this.schedule.addToDate(provider.id, dto.date, isoWeekday(date), windowIndexes);
    if (dayIndexes === null) throw new AppError('PROVIDER_NOT_FOUND', `Provider ${provider.id} does not exist`);
    await this.events.emit('schedule.published', { providerId: provider.id, date: dto.date });
    return {
      provider_id: provider.id,
      date: dto.date,
      time_zone: provider.timeZone,
      slots: realSlotsAmong(daySlots(date, provider.timeZone), windowIndexes).map((slot) => slot.view),
      windows: indexesToWindows(dayIndexes).map(toWallTimeWindow),
    };
  }

  /**
   * The provider's real slots that day and which are inside its open hours: one query, whatever the
   * provider's history. 404 for an unknown provider.
   */
  async providerDay(providerId: number, isoDate: string): Promise<ProviderDay> {
    const date = parseDate(isoDate)!;
    const found = await this.schedule.providerDay(providerId, isoDate, isoWeekday(date));
    if (!found) throw new AppError('PROVIDER_NOT_FOUND', `Provider ${providerId} does not exist`);
    const { provider, overrideIndexes, weeklyWindows } = found;
    const slots = daySlots(date, provider.timeZone);
    const open = realSlotsAmong(slots, overrideIndexes ?? windowsToIndexes(weeklyWindows));
    return { provider, date, timeZone: provider.timeZone, slots, hours: new Set(open.map((slot) => slot.index)) };
  }
}
