import { daySlots, parseDate } from '../scheduling/slots';
import { DateOverrideView, WeeklyHoursView } from './dto/hours.dto';
import { ProviderEntity } from './entities/provider.entity';
import { indexesToWindows, realSlotsAmong, toWallTimeWindow, WeeklyWindow } from './open-hours';

export function weeklyHoursView(provider: ProviderEntity, windows: readonly WeeklyWindow[]): WeeklyHoursView {
  return {
    provider_id: provider.id,
    time_zone: provider.timeZone,
    hours: windows.map((window) => ({ weekday: window.weekday, ...toWallTimeWindow(window) })),
  };
}

export function dateOverrideView(provider: ProviderEntity, date: string, indexes: readonly number[]): DateOverrideView {
  return {
    provider_id: provider.id,
    date,
    time_zone: provider.timeZone,
    windows: indexesToWindows(indexes).map(toWallTimeWindow),
    slots: realSlotsAmong(daySlots(parseDate(date)!, provider.timeZone), indexes).map((slot) => slot.view),
  };
}
