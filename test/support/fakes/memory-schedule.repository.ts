import { ProviderEntity } from '../../../src/providers/entities/provider.entity';
import { ScheduleRepository, SlotIndexQuery } from '../../../src/providers/schedule.repository';
import { InMemoryAppointmentsRepository } from './memory-appointments.repository';
import { InMemoryProvidersRepository } from './memory-providers.repository';
import { PublicSurface } from './public-surface';

/** The `availability_slots` table in memory; the day's read leaves out what the appointments' query selects. */
export class InMemoryScheduleRepository implements PublicSurface<ScheduleRepository> {
  private readonly published = new Map<string, Set<number>>();

  constructor(
    private readonly providers: InMemoryProvidersRepository,
    private readonly appointments: InMemoryAppointmentsRepository,
  ) {}

  async publish(providerId: number, date: string, slotIndexes: number[]): Promise<void> {
    const key = `${providerId}:${date}`;
    const day = this.published.get(key) ?? new Set<number>();
    for (const index of slotIndexes) day.add(index);
    this.published.set(key, day);
  }

  async publishedIndexes(providerId: number, date: string): Promise<number[]> {
    return [...(this.published.get(`${providerId}:${date}`) ?? [])].sort((a, b) => a - b);
  }

  async providerDay(
    providerId: number,
    date: string,
    excluded: SlotIndexQuery,
  ): Promise<{ provider: ProviderEntity; published: number[] } | null> {
    const provider = await this.providers.findById(providerId);
    if (!provider) return null;
    const left = new Set(this.appointments.slotIndexesSelectedBy(excluded));
    return { provider, published: (await this.publishedIndexes(providerId, date)).filter((index) => !left.has(index)) };
  }
}
