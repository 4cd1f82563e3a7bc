import { ProviderEntity } from '../../../src/providers/entities/provider.entity';
import { BookingRules, DEFAULT_BOOKING_RULES } from '../../../src/scheduling/booking-rules';
import { NewProvider, ProviderChanges, ProvidersRepository } from '../../../src/providers/providers.repository';
import { copy, PublicSurface } from './public-surface';

/** The `providers` table in memory, with its unique email and key hash. */
export class InMemoryProvidersRepository implements PublicSurface<ProvidersRepository> {
  private readonly rows = new Map<number, ProviderEntity>();
  private lastId = 0;

  async insert(provider: NewProvider): Promise<ProviderEntity | null> {
    if ([...this.rows.values()].some((row) => row.email === provider.email)) return null;
    const row: ProviderEntity = { ...copy(provider), id: ++this.lastId, rules: { ...DEFAULT_BOOKING_RULES } };
    this.rows.set(row.id, row);
    return copy(row);
  }

  async update(id: number, changes: ProviderChanges): Promise<ProviderEntity | null | 'EMAIL_TAKEN'> {
    const row = this.rows.get(id);
    if (!row) return null;
    const { name, email, phone, ...rules } = changes;
    if (email !== undefined && [...this.rows.values()].some((other) => other.id !== id && other.email === email)) return 'EMAIL_TAKEN';
    const defined = <T extends object>(fields: T) =>
      Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
    Object.assign(row, defined({ name, email, phone }));
    Object.assign(row.rules, defined(rules));
    return copy(row);
  }

  async findById(id: number): Promise<ProviderEntity | null> {
    const row = this.rows.get(id);
    return row ? copy(row) : null;
  }

  async idByKeyHash(apiKeyHash: string): Promise<number | null> {
    return [...this.rows.values()].find((row) => row.apiKeyHash === apiKeyHash)?.id ?? null;
  }

  async replaceKeyHash(id: number, apiKeyHash: string): Promise<{ previous: string | null } | undefined> {
    const row = this.rows.get(id);
    if (!row) return undefined;
    const previous = row.apiKeyHash;
    row.apiKeyHash = apiKeyHash;
    return { previous };
  }

  /** Test set-up: changes a provider's booking rules as its row would be changed. */
  setRules(id: number, rules: Partial<BookingRules>): void {
    const row = this.rows.get(id);
    if (!row) throw new Error(`no provider ${id}`);
    row.rules = { ...row.rules, ...rules };
  }

  async listAfter(afterId: number, limit: number): Promise<ProviderEntity[]> {
    return [...this.rows.values()]
      .filter((row) => row.id > afterId)
      .sort((a, b) => a.id - b.id)
      .slice(0, limit)
      .map(copy);
  }
}
