import { Injectable } from '@nestjs/common';
import { actsForProvider, Caller } from '../access/caller';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/domain-events';
import { DateOverrideView, PutDateOverrideDto, PutWeeklyHoursDto, WeeklyHoursView } from './dto/hours.dto';
import { ProviderEntity } from './entities/provider.entity';
import { dateOverrideView, weeklyHoursView } from './hours-view';
import { dayBeforeTodayError, mergeWeeklyWindows, mergeWindows, parseWindows, windowsToIndexes } from './open-hours';
import { ProvidersService } from './providers.service';
import { ScheduleRepository } from './schedule.repository';

function providerNotFound(id: number): AppError {
  return new AppError('PROVIDER_NOT_FOUND', `Provider ${id} does not exist`);
}

/**
 * A provider's open hours: the weekly hours, and a date's own hours (its override). Read and written by
 * the administrator and the provider; to anyone else the provider does not exist, as on its record.
 * Changing hours never touches an appointment: what is held or booked stays.
 */
@Injectable()
export class HoursService {
  constructor(
    private readonly providers: ProvidersService,
    private readonly schedule: ScheduleRepository,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  async weeklyHours(providerId: number, caller: Caller): Promise<WeeklyHoursView> {
    const provider = await this.ownProvider(providerId, caller);
    return weeklyHoursView(provider, await this.schedule.weeklyHours(providerId));
  }

  /** Replaces the weekly hours with the windows given, merged (an empty list clears them). */
  async replaceWeeklyHours(providerId: number, dto: PutWeeklyHoursDto, caller: Caller): Promise<WeeklyHoursView> {
    if (!actsForProvider(caller, providerId)) throw providerNotFound(providerId);
    const { windows, errors } = parseWindows(dto.hours, 'hours');
    if (errors.length > 0) throw AppError.validation(errors);
    const merged = mergeWeeklyWindows(windows);
    const provider = await this.providers.get(providerId);
    if (!(await this.schedule.replaceWeeklyHours(providerId, merged))) throw providerNotFound(providerId);
    await this.events.emit('schedule.hours_changed', { providerId });
    return weeklyHoursView(provider, merged);
  }

  /** The date's override; 404 NOT_FOUND when the date is on its weekly hours. */
  async dateOverride(providerId: number, date: string, caller: Caller): Promise<DateOverrideView> {
    const provider = await this.ownProvider(providerId, caller);
    const indexes = await this.schedule.dateOverride(providerId, date);
    if (indexes === null) throw new AppError('NOT_FOUND', `${date} has no hours of its own: it keeps its weekday's weekly hours`);
    return dateOverrideView(provider, date, indexes);
  }

  /** Gives the date its own hours (none: the day off), in place of its weekly hours or earlier override. */
  async replaceDateOverride(providerId: number, date: string, dto: PutDateOverrideDto, caller: Caller): Promise<DateOverrideView> {
    if (!actsForProvider(caller, providerId)) throw providerNotFound(providerId);
    const provider = await this.providers.get(providerId);
    const { windows, errors } = parseWindows(dto.windows, 'windows');
    const pastDay = dayBeforeTodayError(date, provider.timeZone, this.clock.nowMs());
    // Every invalid field at once: the day and the windows.
    if (pastDay || errors.length > 0) throw AppError.validation([...(pastDay ? [pastDay] : []), ...errors]);
    // Stored as written; wall times a daylight-saving jump skips that day are left out when read.
    const indexes = windowsToIndexes(mergeWindows(windows));
    if (!(await this.schedule.replaceDateOverride(providerId, date, indexes))) throw providerNotFound(providerId);
    await this.events.emit('schedule.published', { providerId, date });
    return dateOverrideView(provider, date, indexes);
  }

  /**
   * Returns the date to its weekly hours. Idempotent: a date without an override answers the same, so a
   * retried DELETE is no error.
   */
  async removeDateOverride(providerId: number, date: string, caller: Caller): Promise<void> {
    await this.ownProvider(providerId, caller);
    await this.schedule.removeDateOverride(providerId, date);
    await this.events.emit('schedule.published', { providerId, date });
  }

  private async ownProvider(providerId: number, caller: Caller): Promise<ProviderEntity> {
    if (!actsForProvider(caller, providerId)) throw providerNotFound(providerId);
    return this.providers.get(providerId);
  }
}
