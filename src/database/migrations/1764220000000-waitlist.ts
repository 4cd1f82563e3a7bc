import { Kysely, Migration, sql } from 'kysely';
import { DatabaseKind } from '../database.service';
import { withId } from './columns';

/**
 * The waitlist: one row per client waiting for a provider's day. `appointment_id` is the pending
 * appointment its offer made; whether that offer was booked or lapsed is read off the appointment.
 */
export function waitlist(kind: DatabaseKind): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('waitlist_entries')
        .$call(withId(kind))
        .addColumn('provider_id', 'integer', (column) => column.notNull())
        .addColumn('client_id', 'integer', (column) => column.notNull())
        .addColumn('date', 'varchar(10)', (column) => column.notNull())
        .addColumn('duration_minutes', 'integer', (column) => column.notNull().defaultTo(15))
        .addColumn('from_slot', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('to_slot', 'integer', (column) => column.notNull().defaultTo(96))
        .addColumn('status', 'varchar(16)', (column) => column.notNull())
        .addColumn('appointment_id', 'integer')
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('offered_at', 'bigint')
        .addColumn('left_at', 'bigint')
        .addForeignKeyConstraint('waitlist_entries_provider_fk', ['provider_id'], 'providers', ['id'])
        .addForeignKeyConstraint('waitlist_entries_client_fk', ['client_id'], 'clients', ['id'])
        .addForeignKeyConstraint('waitlist_entries_appointment_fk', ['appointment_id'], 'appointments', ['id'])
        .execute();
      // A day's waiting entries, longest-waiting first: what every offer reads.
      await db.schema
        .createIndex('waitlist_entries_day')
        .on('waitlist_entries')
        .columns(['provider_id', 'date', 'status', 'created_at'])
        .execute();
      // The days that still have someone waiting: what the periodic reconcile reads (one probe when none).
      await db.schema
        .createIndex('waitlist_entries_waiting_days')
        .on('waitlist_entries')
        .columns(['date', 'provider_id'])
        .where(sql<boolean>`status = 'waiting'`)
        .execute();
      await db.schema.createIndex('waitlist_entries_client').on('waitlist_entries').columns(['client_id', 'created_at']).execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('waitlist_entries').execute();
    },
  };
}
