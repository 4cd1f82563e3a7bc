import { Logger, OnApplicationShutdown } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { Compilable, Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Pool, types as pgTypes } from 'pg';
import { DatabaseConfig } from '../config/namespaces';
import { migrations } from './migrations';
import { Database } from './schema';

export type DatabaseKind = DatabaseConfig['kind'];

/** An open transaction, handed from repository to repository; each sees only the tables it owns. */
export class Transaction {
  private readonly committed: (() => void)[] = [];

  constructor(private readonly trx: Kysely<Database>) {}

  /** Runs `then` once the transaction has committed (never if it rolls back), e.g. to wake a worker. */
  afterCommit(then: () => void): void {
    this.committed.push(then);
  }

  /** @internal Called by DatabaseService after the commit. */
  runAfterCommit(): void {
    for (const then of this.committed.splice(0)) then();
  }

  tables<T extends keyof Database>(): Kysely<Pick<Database, T>> {
    return this.trx as unknown as Kysely<Pick<Database, T>>;
  }
}

const PG_INT8_OID = 20;

/** bigint columns hold epoch milliseconds and counts: numbers, well inside 2^53. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} does not fit a JavaScript number`);
  return value;
}

/**
 * The one way to the database: Kysely on PostgreSQL (a pg pool) or on SQLite (better-sqlite3).
 *
 * SQLite allows one writer, and better-sqlite3 gives one connection, which Kysely's SqliteDriver lends
 * to one query or transaction at a time; every statement of this service goes through it, so
 * transactions never interleave and a read never sees another request's uncommitted rows.
 */
export class DatabaseService implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseService.name);
  private readonly statementNames = new Map<string, string>();

  private constructor(
    readonly kind: DatabaseKind,
    private readonly db: Kysely<Database>,
    /** Our own reference to the pool Kysely uses on PostgreSQL, for named statements. */
    private readonly pool: Pool | null,
  ) {}

  static open(settings: DatabaseConfig): DatabaseService {
    if (settings.kind === 'postgres') {
      const pool = new Pool({
        connectionString: settings.url,
        max: 20,
        // Fail fast instead of hanging when PostgreSQL does not answer: the request gets a 503.
        connectionTimeoutMillis: 3000,
        statement_timeout: 5000,
        query_timeout: 6000,
        types: {
          getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
            oid === PG_INT8_OID && format !== 'binary'
              ? parseInt8
              : (pgTypes.getTypeParser(oid, format ?? 'text') as (value: string) => unknown)) as typeof pgTypes.getTypeParser,
        },
      });
      const service = new DatabaseService('postgres', new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool);
      // An idle client that loses its server emits here; unheard, it would end the process.
      pool.on('error', (error) => service.logger.warn(`PostgreSQL connection lost: ${error.message}`));
      // A client lent out between two statements (inside a transaction) has no listener of the pool's: its
      // connection's loss would be an unheard 'error' event and end the process. The statement fails instead.
      pool.on('connect', (client) => client.on('error', (error) => service.logger.warn(`PostgreSQL connection lost: ${error.message}`)));
      return service;
    }
    if (settings.path !== ':memory:') mkdirSync(dirname(settings.path), { recursive: true });
    const connection = new BetterSqlite3(settings.path);
    connection.pragma('journal_mode = WAL');
    connection.pragma('foreign_keys = ON');
    connection.pragma('busy_timeout = 3000');
    // Kysely's SqliteDriver serializes this single connection with a mutex (ConnectionMutex in acquireConnection), one query or transaction at a time.
    return new DatabaseService('sqlite', new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) }), null);
  }

  /**
   * The database typed to see only `T`: each repository names the tables its module owns, and the
   * compiler refuses a query on any other.
   */
  tables<T extends keyof Database>(): Kysely<Pick<Database, T>> {
    return this.db as unknown as Kysely<Pick<Database, T>>;
  }

  /**
   * Runs `work` in one transaction: every repository given `tx` writes into it, so rows of several
   * modules (an appointment and its outbox message) commit together or not at all.
   */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    let tx: Transaction | undefined;
    const result = await this.db.transaction().execute((trx) => work((tx = new Transaction(trx))));
    tx?.runAfterCommit();
    return result;
  }

  /** Whether `SELECT … FOR UPDATE` exists (PostgreSQL); SQLite's single writer needs no row locks. */
  get locksRows(): boolean {
    return this.kind === 'postgres';
  }

  /**
   * A hot-path read of a fixed shape. On PostgreSQL it runs as a named prepared statement, which
   * each pooled connection parses and plans once.
   */
  async fetch<O>(query: Compilable<O>): Promise<O[]> {
    const compiled = query.compile();
    if (!this.pool) return (await this.db.executeQuery(compiled)).rows;
    let name = this.statementNames.get(compiled.sql);
    if (!name) {
      name = `q${this.statementNames.size + 1}`;
      this.statementNames.set(compiled.sql, name);
    }
    const result = await this.pool.query({ name, text: compiled.sql, values: [...compiled.parameters] });
    return result.rows as O[];
  }

  /** Brings the schema to the latest migration. */
  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => migrations(this.kind) } });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error('Migration failed');
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.destroy();
  }
}
