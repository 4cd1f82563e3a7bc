import { Injectable } from '@nestjs/common';
import { Kysely, Selectable } from 'kysely';
import { DatabaseService, Transaction } from '../database/database.service';
import { isUniqueViolation } from '../database/errors';
import { ClientsTable, Database } from '../database/schema';
import { ClientEntity } from './entities/client.entity';

function toClient(row: Selectable<ClientsTable>): ClientEntity {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    createdAt: row.created_at,
    apiKeyHash: row.api_key_hash,
    erasedAt: row.erased_at,
  };
}

@Injectable()
export class ClientsRepository {
  private readonly db: Kysely<Pick<Database, 'clients'>>;

  constructor(private readonly database: DatabaseService) {
    this.db = database.tables<'clients'>();
  }

  /** Inserts a client; null when the email is already registered. */
  async insert(client: Omit<ClientEntity, 'id' | 'erasedAt'>): Promise<ClientEntity | null> {
    try {
      const row = await this.db
        .insertInto('clients')
        .values({
          name: client.name,
          email: client.email,
          phone: client.phone,
          created_at: client.createdAt,
          api_key_hash: client.apiKeyHash,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toClient(row);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** The client registered with this address (stored lower-cased; unique). */
  async findByEmail(email: string): Promise<ClientEntity | null> {
    const [row] = await this.database.fetch(this.db.selectFrom('clients').selectAll().where('email', '=', email));
    return row ? toClient(row) : null;
  }

  /** The client whose key has this SHA-256 (indexed, unique). */
  async idByKeyHash(apiKeyHash: string): Promise<number | null> {
    const [row] = await this.database.fetch(this.db.selectFrom('clients').select('id').where('api_key_hash', '=', apiKeyHash));
    return row?.id ?? null;
  }

  /**
   * Replaces the key hash and answers the one it replaced (null when there was none), or undefined when
   * there is no such client. The row is locked between the read and the write, so of two rotations at
   * once each answers the hash the other did not.
   */
  async replaceKeyHash(id: number, apiKeyHash: string): Promise<{ previous: string | null } | undefined> {
    return this.database.transaction(async (tx) => {
      const db = tx.tables<'clients'>();
      const row = await db
        .selectFrom('clients')
        .select('api_key_hash')
        .where('id', '=', id)
        .where('erased_at', 'is', null)
        .$if(this.database.locksRows, (query) => query.forUpdate())
        .executeTakeFirst();
      if (row === undefined) return undefined;
      await db.updateTable('clients').set({ api_key_hash: apiKeyHash }).where('id', '=', id).execute();
      return { previous: row.api_key_hash };
    });
  }

  /**
   * Replaces the client's name, address and phone with placeholders and drops its key, within the
   * erasure's transaction, the row locked. Answers the client as it was, or null when there is no such
   * client or it was erased already (by a concurrent erasure).
   */
  async eraseIn(
    tx: Transaction,
    id: number,
    placeholder: Pick<ClientEntity, 'name' | 'email'>,
    erasedAt: number,
  ): Promise<ClientEntity | null> {
    const db = tx.tables<'clients'>();
    const row = await db
      .selectFrom('clients')
      .selectAll()
      .where('id', '=', id)
      .where('erased_at', 'is', null)
      .$if(this.database.locksRows, (query) => query.forUpdate())
      .executeTakeFirst();
    if (row === undefined) return null;
    await db
      .updateTable('clients')
      .set({ name: placeholder.name, email: placeholder.email, phone: null, api_key_hash: null, erased_at: erasedAt })
      .where('id', '=', id)
      .execute();
    return toClient(row);
  }

  /** Whether the client was erased, read within the caller's transaction. */
  async isErasedIn(tx: Transaction, id: number): Promise<boolean> {
    const row = await tx.tables<'clients'>().selectFrom('clients').select('erased_at').where('id', '=', id).executeTakeFirst();
    return row !== undefined && row.erased_at !== null;
  }

  /**
   * Which of these clients are erased, read within the caller's transaction and, on PostgreSQL, with a
   * share lock on their rows: an erasure (which locks the row for update) either committed before this
   * read, or waits until the caller's transaction commits and then finds what it wrote.
   */
  async erasedAmongIn(tx: Transaction, ids: readonly number[]): Promise<Set<number>> {
    const rows = await tx
      .tables<'clients'>()
      .selectFrom('clients')
      .select(['id', 'erased_at'])
      .where('id', 'in', [...new Set(ids)])
      .orderBy('id')
      .$if(this.database.locksRows, (query) => query.forShare())
      .execute();
    return new Set(rows.filter((row) => row.erased_at !== null).map((row) => row.id));
  }

  /** The client as it stands within the caller's transaction (an erasure committed before this read shows). */
  async findByIdIn(tx: Transaction, id: number): Promise<ClientEntity | null> {
    const row = await tx.tables<'clients'>().selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toClient(row) : null;
  }

  async findById(id: number): Promise<ClientEntity | null> {
    const [row] = await this.database.fetch(this.db.selectFrom('clients').selectAll().where('id', '=', id));
    return row ? toClient(row) : null;
  }

  /** The clients among these ids that exist, in one query. */
  async findByIds(ids: number[]): Promise<ClientEntity[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('clients').selectAll().where('id', 'in', ids).execute();
    return rows.map(toClient);
  }
}
