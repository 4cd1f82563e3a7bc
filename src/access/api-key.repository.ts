import { Injectable } from '@nestjs/common';
import { Kysely } from 'kysely';
import { DatabaseService } from '../database/database.service';
import { Database } from '../database/schema';

/** Finds whose a key is by its SHA-256 (indexed, unique); keys themselves are never stored. */
@Injectable()
export class ApiKeyRepository {
  private readonly db: Kysely<Pick<Database, 'providers' | 'clients'>>;

  constructor(private readonly database: DatabaseService) {
    this.db = database.tables<'providers' | 'clients'>();
  }

  async providerIdByHash(hash: string): Promise<number | null> {
    const [row] = await this.database.fetch(this.db.selectFrom('providers').select('id').where('api_key_hash', '=', hash));
    return row ? row.id : null;
  }

  async clientIdByHash(hash: string): Promise<number | null> {
    const [row] = await this.database.fetch(this.db.selectFrom('clients').select('id').where('api_key_hash', '=', hash));
    return row ? row.id : null;
  }
}
