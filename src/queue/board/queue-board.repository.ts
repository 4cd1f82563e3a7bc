import { Injectable } from '@nestjs/common';
import { Kysely } from 'kysely';
import { DatabaseService } from '../../database/database.service';
import { Database } from '../../database/schema';

/** One display-board key per provider, stored as its SHA-256 only. */
@Injectable()
export class QueueBoardRepository {
  private readonly db: Kysely<Pick<Database, 'queue_boards'>>;

  constructor(database: DatabaseService) {
    this.db = database.tables<'queue_boards'>();
  }

  /** Makes `keyHash` the provider's board key: the one before it stops working at once. */
  async replace(providerId: number, keyHash: string, now: number): Promise<void> {
    await this.db
      .insertInto('queue_boards')
      .values({ provider_id: providerId, key_hash: keyHash, created_at: now })
      .onConflict((conflict) => conflict.column('provider_id').doUpdateSet({ key_hash: keyHash, created_at: now }))
      .execute();
  }

  /** The hash of the provider's current board key; null when none was issued. */
  async keyHashOf(providerId: number): Promise<string | null> {
    const row = await this.db.selectFrom('queue_boards').select('key_hash').where('provider_id', '=', providerId).executeTakeFirst();
    return row?.key_hash ?? null;
  }
}
