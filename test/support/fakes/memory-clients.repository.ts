import { ClientsRepository } from '../../../src/clients/clients.repository';
import { ClientEntity } from '../../../src/clients/entities/client.entity';
import { Transaction } from '../../../src/database/database.service';
import { copy, PublicSurface } from './public-surface';

/** The `clients` table in memory, with its unique email and key hash. */
export class InMemoryClientsRepository implements PublicSurface<ClientsRepository> {
  private readonly rows = new Map<number, ClientEntity>();
  private lastId = 0;

  async insert(client: Omit<ClientEntity, 'id' | 'erasedAt'>): Promise<ClientEntity | null> {
    if ([...this.rows.values()].some((row) => row.email === client.email)) return null;
    const row = { ...copy(client), id: ++this.lastId, erasedAt: null };
    this.rows.set(row.id, row);
    return copy(row);
  }

  async findByEmail(email: string): Promise<ClientEntity | null> {
    const row = [...this.rows.values()].find((candidate) => candidate.email === email);
    return row ? copy(row) : null;
  }

  async idByKeyHash(apiKeyHash: string): Promise<number | null> {
    return [...this.rows.values()].find((row) => row.apiKeyHash === apiKeyHash)?.id ?? null;
  }

  async replaceKeyHash(id: number, apiKeyHash: string): Promise<{ previous: string | null } | undefined> {
    const row = this.rows.get(id);
    if (!row || row.erasedAt !== null) return undefined;
    const previous = row.apiKeyHash;
    row.apiKeyHash = apiKeyHash;
    return { previous };
  }

  async eraseIn(
    _tx: Transaction,
    id: number,
    placeholder: Pick<ClientEntity, 'name' | 'email'>,
    erasedAt: number,
  ): Promise<ClientEntity | null> {
    const row = this.rows.get(id);
    if (!row || row.erasedAt !== null) return null;
    const before = copy(row);
    Object.assign(row, { ...placeholder, phone: null, apiKeyHash: null, erasedAt });
    return before;
  }

  async erasedAmongIn(_tx: Transaction, ids: readonly number[]): Promise<Set<number>> {
    return new Set(ids.filter((id) => this.rows.get(id)?.erasedAt != null));
  }

  async isErasedIn(_tx: Transaction, id: number): Promise<boolean> {
    return this.rows.get(id)?.erasedAt != null;
  }

  async findByIdIn(_tx: Transaction, id: number): Promise<ClientEntity | null> {
    return this.findById(id);
  }

  async findById(id: number): Promise<ClientEntity | null> {
    const row = this.rows.get(id);
    return row ? copy(row) : null;
  }

  async findByIds(ids: number[]): Promise<ClientEntity[]> {
    return ids.flatMap((id) => (this.rows.has(id) ? [copy(this.rows.get(id)!)] : []));
  }
}
