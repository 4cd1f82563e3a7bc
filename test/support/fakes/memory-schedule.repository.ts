import { MinuteWindow, WeeklyWindow, windowsToIndexes } from '../../../src/providers/open-hours';
import { ScheduledDay, ScheduleRepository } from '../../../src/providers/schedule.repository';
import { InMemoryProvidersRepository } from './memory-providers.repository';
import { copy, PublicSurface } from './public-surface';

/** The `weekly_hours`, `date_overrides` and `availability_slots` tables in memory. */
export class InMemoryScheduleRepository implements PublicSurface<ScheduleRepository> {
  /** Each date with an override (`provider:date`) and its slot indexes. */
  private readonly overrides = new Map<string, Set<number>>();
  private readonly weekly = new Map<number, WeeklyWindow[]>();

  constructor(private readonly providers: InMemoryProvidersRepository) {}

  async providerDay(providerId: number, date: string, weekday: number): Promise<ScheduledDay | null> {
    const provider = await this.providers.findById(providerId);
    if (!provider) return null;
    const override = this.overrides.get(`${providerId}:${date}`);
    if (override) return { provider, overrideIndexes: sorted(override), weeklyWindows: [] };
    return { provider, overrideIndexes: null, weeklyWindows: this.weekdayWindows(providerId, weekday) };
  }

  async weeklyHours(providerId: number): Promise<WeeklyWindow[]> {
    return copy(this.weekly.get(providerId) ?? []);
  }

  async replaceWeeklyHours(providerId: number, windows: readonly WeeklyWindow[]): Promise<boolean> {
    if (!(await this.providers.findById(providerId))) return false;
    this.weekly.set(providerId, copy([...windows]));
    return true;
  }

  async dateOverride(providerId: number, date: string): Promise<number[] | null> {
    const override = this.overrides.get(`${providerId}:${date}`);
    return override ? sorted(override) : null;
  }

  async replaceDateOverride(providerId: number, date: string, slotIndexes: readonly number[]): Promise<boolean> {
    if (!(await this.providers.findById(providerId))) return false;
    this.overrides.set(`${providerId}:${date}`, new Set(slotIndexes));
    return true;
  }

  async removeDateOverride(providerId: number, date: string): Promise<void> {
    this.overrides.delete(`${providerId}:${date}`);
  }

  async addToDate(providerId: number, date: string, weekday: number, slotIndexes: readonly number[]): Promise<number[] | null> {
    if (!(await this.providers.findById(providerId))) return null;
    const key = `${providerId}:${date}`;
    let override = this.overrides.get(key);
    if (!override) {
      override = new Set(windowsToIndexes(this.weekdayWindows(providerId, weekday)));
      this.overrides.set(key, override);
    }
    for (const index of slotIndexes) override.add(index);
    return sorted(override);
  }

  private weekdayWindows(providerId: number, weekday: number): MinuteWindow[] {
    return (this.weekly.get(providerId) ?? [])
      .filter((window) => window.weekday === weekday)
      .map(({ startMinute, endMinute }) => ({ startMinute, endMinute }));
  }
}

function sorted(indexes: Iterable<number>): number[] {
  return [...indexes].sort((a, b) => a - b);
}
