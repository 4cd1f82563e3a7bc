import { Kysely, Migration } from 'kysely';

/**
 * Idempotency records, for deployments without Redis: one row per scoped key (already hashed), its
 * body's fingerprint, the running request's token while it is in flight, then the stored answer.
 * `expires_at` ends the marker (a crashed run) and, once answered, the 24-hour record.
 */
export function idempotency(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('idempotency_records')
        .addColumn('key', 'varchar(64)', (column) => column.primaryKey())
        .addColumn('fingerprint', 'varchar(64)', (column) => column.notNull())
        .addColumn('token', 'varchar(36)')
        .addColumn('status', 'integer')
        .addColumn('content_type', 'varchar(100)')
        .addColumn('body', 'text')
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('idempotency_records_expiry').on('idempotency_records').column('expires_at').execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('idempotency_records').execute();
    },
  };
}
