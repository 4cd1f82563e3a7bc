import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool as PgPool } from 'pg';
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
  private readonly statementNames = new Map<string, string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.serialize = dataSource.options.type !== 'postgres';
  }

  /** Several statements that commit or roll back together. */
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.inTurn(() => this.dataSource.transaction(work));
  }

  /** One statement, atomic by itself: no BEGIN/COMMIT round trips on PostgreSQL. */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.inTurn(() => work(this.dataSource.manager));
  }

  /**
   * Reads that must agree with each other. On SQLite they wait their turn behind any open write
   * transaction, which shares the one connection and would otherwise show its uncommitted rows.
   */
  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.inTurn(() => work(this.dataSource.manager));
  }

  /**
   * Inserts one row with a single INSERT … RETURNING (TypeORM's `save` would wrap it in
   * BEGIN/COMMIT: two more round trips) and answers the entity with its generated id.
   */
  insertOne<T extends { id: number }>(entity: new () => T, values: Omit<T, 'id'>): Promise<T> {
    return this.write(async (manager) => {
      const result = await manager.insert(entity, values as never);
      return Object.assign(new entity(), values, { id: Number(result.identifiers[0].id) });
    });
  }

  /** A raw read; `$1, $2…` placeholders work on both databases. */
  query<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    if (!this.serialize) return this.preparedQuery<T>(sql, parameters);
    // SQLite takes positional `?`: bind the values in the order the placeholders appear.
    const ordered: unknown[] = [];
    const positional = sql.replace(/\$(\d+)/g, (_, n: string) => {
      ordered.push(parameters[Number(n) - 1]);
      return '?';
    });
    return this.dataSource.query(positional, ordered);
  }

  /**
   * Hot-path reads go straight to the pg pool as named (prepared) statements: PostgreSQL parses and
   * plans each once per connection, and TypeORM's per-query runner bookkeeping is skipped.
   */
  private async preparedQuery<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    const pool = (this.dataSource.driver as unknown as { master: PgPool }).master;
    let name = this.statementNames.get(sql);
    if (!name) {
      name = `q${this.statementNames.size + 1}`;
      this.statementNames.set(sql, name);
    }
    const result = await pool.query({ name, text: sql, values: parameters });
    return result.rows as T[];
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    if (!this.serialize) return work();
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
