import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs writes. PostgreSQL gives each transaction its own pooled connection. SQLite (better-sqlite3)
 * has a single connection, so concurrent transactions would interleave on it; there every write is
 * queued and runs alone, which is also what SQLite itself allows (one writer at a time).
 */
@Injectable()
export class Transactions {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly serialize: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.serialize = dataSource.options.type !== 'postgres';
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serialize) return this.dataSource.transaction(work);
    const result = this.queue.then(() => this.dataSource.transaction(work));
    this.queue = result.catch(() => undefined);
    return result;
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
