import { ProviderEntity } from '../../../src/providers/entities/provider.entity';
import { ScheduleRepository } from '../../../src/providers/schedule.repository';
import { InMemoryProvidersRepository } from './memory-providers.repository';
import { PublicSurface } from './public-surface';

/** The `availability_slots` table in memory. */
export class InMemoryScheduleRepository implements PublicSurface<ScheduleRepository> {
  private readonly published = new Map<string, Set<number>>();

  constructor(private readonly providers: InMemoryProvidersRepository) {}

  async publish(providerId: number, date: string, slotIndexes: number[]): Promise<void> {
    const key = `${providerId}:${date}`;
    const day = this.published.get(key) ?? new Set<number>();
    for (const index of slotIndexes) day.add(index);
    this.published.set(key, day);
  }

  async publishedIndexes(providerId: number, date: string): Promise<number[]> {
    return [...(this.published.get(`${providerId}:${date}`) ?? [])].sort((a, b) => a - b);
  }

  async providerDay(providerId: number, date: string): Promise<{ provider: ProviderEntity; published: number[] } | null> {
    const provider = await this.providers.findById(providerId);
    if (!provider) return null;
    return { provider, published: await this.publishedIndexes(providerId, date) };
  }
}
