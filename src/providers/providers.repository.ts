import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { ProviderEntity } from './entities/provider.entity';

export type NewProvider = Omit<ProviderEntity, 'id'>;

@Injectable()
export class ProvidersRepository {
  constructor(
    @InjectRepository(ProviderEntity) private readonly providers: Repository<ProviderEntity>,
    private readonly transactions: Transactions,
  ) {}

  /** Inserts a provider; null when the email is already registered. */
  async insert(provider: NewProvider): Promise<ProviderEntity | null> {
    try {
      return await this.transactions.insertOne(ProviderEntity, provider);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  findById(id: number): Promise<ProviderEntity | null> {
    return this.providers.findOneBy({ id });
  }

  /** Replaces the key hash: the old key stops working at once. */
  async replaceKeyHash(id: number, apiKeyHash: string): Promise<boolean> {
    const result = await this.transactions.write((manager) => manager.update(ProviderEntity, { id }, { apiKeyHash }));
    return !!result.affected;
  }

  listAfter(afterId: number, limit: number): Promise<ProviderEntity[]> {
    return this.providers.find({ where: { id: MoreThan(afterId) }, order: { id: 'ASC' }, take: limit });
  }
}
