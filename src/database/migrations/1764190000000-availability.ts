import { Kysely, Migration, sql } from 'kysely';

/**
 * Availability that runs itself, and appointments that move:
 * - booking rules on each provider (notice, horizon, buffers, a cap per client);
 * - weekly hours, one row per window of a weekday (minutes from local midnight);
 * - date overrides: a row marks a date whose hours are its own `availability_slots` rows (none: the
 *   day off) instead of its weekday's hours. Every date published before this migration keeps its hours;
 * - an appointment's reschedule time, cancellation reason and revision (the `.ics` SEQUENCE, and the
 *   version manage links are signed for);
 * - a guest request's name and phone, kept on its appointment rather than on the client until the
 *   emailed link proves the address (null for a request made with a key).
 */
export function availability(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('providers')
        .addColumn('minimum_notice_minutes', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('providers')
        .addColumn('booking_horizon_days', 'integer', (column) => column.notNull().defaultTo(365))
        .execute();
      await db.schema
        .alterTable('providers')
        .addColumn('buffer_minutes', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('providers').addColumn('max_active_per_client', 'integer').execute();

      await db.schema
        .createTable('weekly_hours')
        .addColumn('provider_id', 'integer', (column) => column.notNull())
        .addColumn('weekday', 'integer', (column) => column.notNull())
        .addColumn('start_minute', 'integer', (column) => column.notNull())
        .addColumn('end_minute', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('weekly_hours_pk', ['provider_id', 'weekday', 'start_minute'])
        .addForeignKeyConstraint('weekly_hours_provider_fk', ['provider_id'], 'providers', ['id'])
        .execute();

      await db.schema
        .createTable('date_overrides')
        .addColumn('provider_id', 'integer', (column) => column.notNull())
        .addColumn('date', 'varchar(10)', (column) => column.notNull())
        .addPrimaryKeyConstraint('date_overrides_pk', ['provider_id', 'date'])
        .addForeignKeyConstraint('date_overrides_provider_fk', ['provider_id'], 'providers', ['id'])
        .execute();
      await sql`INSERT INTO date_overrides (provider_id, date) SELECT DISTINCT provider_id, date FROM availability_slots`.execute(db);

      await db.schema.alterTable('appointments').addColumn('rescheduled_at', 'bigint').execute();
      await db.schema.alterTable('appointments').addColumn('cancellation_reason', 'text').execute();
      await db.schema
        .alterTable('appointments')
        .addColumn('revision', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('appointments').addColumn('guest_name', 'varchar(200)').execute();
      await db.schema.alterTable('appointments').addColumn('guest_phone', 'varchar(16)').execute();
      // The caps count a client's upcoming appointments on every request.
      await db.schema.createIndex('appointments_client_start').on('appointments').columns(['client_id', 'start_at']).execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('appointments_client_start').execute();
      for (const column of ['guest_phone', 'guest_name', 'revision', 'cancellation_reason', 'rescheduled_at']) {
        await db.schema.alterTable('appointments').dropColumn(column).execute();
      }
      await db.schema.dropTable('date_overrides').execute();
      await db.schema.dropTable('weekly_hours').execute();
      for (const column of ['max_active_per_client', 'buffer_minutes', 'booking_horizon_days', 'minimum_notice_minutes']) {
        await db.schema.alterTable('providers').dropColumn(column).execute();
      }
    },
  };
}
