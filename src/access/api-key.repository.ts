import { Injectable } from '@nestjs/common';
import { Transactions } from '../database/transactions';

/** Finds whose a key is by its SHA-256 (indexed, unique); keys themselves are never stored. */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly transactions: Transactions) {}

  async providerIdByHash(hash: string): Promise<number | null> {
    const rows = await this.transactions.query<{ id: number }>('SELECT id FROM providers WHERE api_key_hash = $1', [hash]);
    return rows.length ? Number(rows[0].id) : null;
  }

  async clientIdByHash(hash: string): Promise<number | null> {
    const rows = await this.transactions.query<{ id: number }>('SELECT id FROM clients WHERE api_key_hash = $1', [hash]);
    return rows.length ? Number(rows[0].id) : null;
  }
}
