import { Kysely, Migration, sql } from 'kysely';
import { DatabaseKind } from '../database.service';
import { withId } from './columns';

/** The live queue: one row per check-in, and one row per provider-day that orders its changes. */
export function queue(kind: DatabaseKind): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('queue_days')
        .addColumn('provider_id', 'integer', (column) => column.notNull())
        .addColumn('date', 'varchar(10)', (column) => column.notNull())
        .addColumn('revision', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('queue_days_pk', ['provider_id', 'date'])
        .addForeignKeyConstraint('queue_days_provider_fk', ['provider_id'], 'providers', ['id'])
        .execute();

      await db.schema
        .createTable('queue_entries')
        .$call(withId(kind))
        .addColumn('provider_id', 'integer', (column) => column.notNull())
        .addColumn('client_id', 'integer', (column) => column.notNull())
        .addColumn('appointment_id', 'integer')
        .addColumn('date', 'varchar(10)', (column) => column.notNull())
        .addColumn('status', 'varchar(16)', (column) => column.notNull())
        .addColumn('queue_at', 'bigint', (column) => column.notNull())
        .addColumn('appointment_start_at', 'bigint')
        .addColumn('booked_minutes', 'integer', (column) => column.notNull())
        .addColumn('checked_in_at', 'bigint', (column) => column.notNull())
        .addColumn('called_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addForeignKeyConstraint('queue_entries_provider_fk', ['provider_id'], 'providers', ['id'])
        .addForeignKeyConstraint('queue_entries_client_fk', ['client_id'], 'clients', ['id'])
        .addForeignKeyConstraint('queue_entries_appointment_fk', ['appointment_id'], 'appointments', ['id'])
        .execute();
      // Checking an appointment in twice finds the first entry.
      await db.schema.createIndex('queue_entries_appointment').on('queue_entries').column('appointment_id').unique().execute();
      // A client is in a provider's queue of a day at most once at a time.
      await db.schema
        .createIndex('queue_entries_active_client')
        .on('queue_entries')
        .columns(['provider_id', 'date', 'client_id'])
        .unique()
        .where(sql<boolean>`status IN ('waiting', 'called')`)
        .execute();
      await db.schema.createIndex('queue_entries_day').on('queue_entries').columns(['provider_id', 'date', 'status', 'queue_at']).execute();
      // The provider's latest measured services, which the expected service time learns from.
      await db.schema.createIndex('queue_entries_services').on('queue_entries').columns(['provider_id', 'status', 'finished_at']).execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('queue_entries').execute();
      await db.schema.dropTable('queue_days').execute();
    },
  };
}
