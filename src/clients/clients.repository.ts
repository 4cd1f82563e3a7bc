import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { ClientEntity } from './entities/client.entity';

@Injectable()
export class ClientsRepository {
  constructor(
    @InjectRepository(ClientEntity) private readonly clients: Repository<ClientEntity>,
    private readonly transactions: Transactions,
  ) {}

  /** Inserts a client; null when the email is already registered. */
  async insert(client: Omit<ClientEntity, 'id'>): Promise<ClientEntity | null> {
    try {
      return await this.transactions.insertOne(ClientEntity, client);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** Replaces the key hash: the old key stops working at once. */
  async replaceKeyHash(id: number, apiKeyHash: string): Promise<boolean> {
    const result = await this.transactions.write((manager) => manager.update(ClientEntity, { id }, { apiKeyHash }));
    return !!result.affected;
  }

  findById(id: number): Promise<ClientEntity | null> {
    return this.clients.findOneBy({ id });
  }
}
