import { Kysely, Migration } from 'kysely';

/**
 * Erasure: a client's row stays (its appointments still count in providers' history) but is marked
 * erased, its details replaced; and idempotency records name the client they are about, so that
 * erasing the client reaches the answers kept for repeats too.
 */
export function privacy(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('clients').addColumn('erased_at', 'bigint').execute();
      await db.schema.alterTable('idempotency_records').addColumn('client_id', 'integer').execute();
      await db.schema.createIndex('idempotency_records_client').on('idempotency_records').column('client_id').execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('idempotency_records_client').execute();
      await db.schema.alterTable('idempotency_records').dropColumn('client_id').execute();
      await db.schema.alterTable('clients').dropColumn('erased_at').execute();
    },
  };
}
