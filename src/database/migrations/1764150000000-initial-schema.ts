import { Kysely, Migration } from 'kysely';
import { DatabaseKind } from '../database.service';
import { withId } from './columns';

/** Providers, clients, published slots, appointments and the slots they booked; one schema for SQLite and PostgreSQL. */
export function initialSchema(kind: DatabaseKind): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('providers')
        .$call(withId(kind))
        .addColumn('name', 'varchar(200)', (column) => column.notNull())
        .addColumn('email', 'varchar(254)', (column) => column.notNull())
        .addColumn('phone', 'varchar(16)')
        .addColumn('time_zone', 'varchar(64)', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addUniqueConstraint('providers_email_unique', ['email'])
        .execute();

      await db.schema
        .createTable('clients')
        .$call(withId(kind))
        .addColumn('name', 'varchar(200)', (column) => column.notNull())
        .addColumn('email', 'varchar(254)', (column) => column.notNull())
        .addColumn('phone', 'varchar(16)')
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addUniqueConstraint('clients_email_unique', ['email'])
        .execute();

      await db.schema
        .createTable('availability_slots')
        .addColumn('provider_id', 'integer', (column) => column.notNull())
        .addColumn('date', 'varchar(10)', (column) => column.notNull())
        .addColumn('slot_index', 'smallint', (column) => column.notNull())
        .addPrimaryKeyConstraint('availability_slots_pk', ['provider_id', 'date', 'slot_index'])
        .addForeignKeyConstraint('availability_slots_provider_fk', ['provider_id'], 'providers', ['id'])
        .execute();

      await db.schema
        .createTable('appointments')
        .$call(withId(kind))
        .addColumn('provider_id', 'integer', (column) => column.notNull())
        .addColumn('client_id', 'integer', (column) => column.notNull())
        .addColumn('date', 'varchar(10)', (column) => column.notNull())
        .addColumn('slot_indexes', 'varchar(400)', (column) => column.notNull())
        .addColumn('start_time', 'varchar(5)', (column) => column.notNull())
        .addColumn('end_time', 'varchar(5)', (column) => column.notNull())
        .addColumn('start_at', 'bigint', (column) => column.notNull())
        .addColumn('end_at', 'bigint', (column) => column.notNull())
        .addColumn('status', 'varchar(16)', (column) => column.notNull())
        .addColumn('hold_id', 'varchar(36)', (column) => column.notNull())
        .addColumn('expires_at', 'bigint', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('confirmed_at', 'bigint')
        .addColumn('cancelled_at', 'bigint')
        .addUniqueConstraint('appointments_hold_id_unique', ['hold_id'])
        .addForeignKeyConstraint('appointments_provider_fk', ['provider_id'], 'providers', ['id'])
        .addForeignKeyConstraint('appointments_client_fk', ['client_id'], 'clients', ['id'])
        .execute();
      await db.schema.createIndex('appointments_provider_date').on('appointments').columns(['provider_id', 'date']).execute();
      await db.schema.createIndex('appointments_client').on('appointments').column('client_id').execute();

      // The primary key (provider, slot start) is what makes a double booking impossible, whatever
      // happens to the hold store.
      await db.schema
        .createTable('booked_slots')
        .addColumn('provider_id', 'integer', (column) => column.notNull())
        .addColumn('starts_at', 'bigint', (column) => column.notNull())
        .addColumn('date', 'varchar(10)', (column) => column.notNull())
        .addColumn('slot_index', 'smallint', (column) => column.notNull())
        .addColumn('appointment_id', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('booked_slots_pk', ['provider_id', 'starts_at'])
        .addForeignKeyConstraint('booked_slots_provider_fk', ['provider_id'], 'providers', ['id'])
        .addForeignKeyConstraint('booked_slots_appointment_fk', ['appointment_id'], 'appointments', ['id'])
        .execute();
      await db.schema.createIndex('booked_slots_provider_date').on('booked_slots').columns(['provider_id', 'date', 'slot_index']).execute();
      await db.schema.createIndex('booked_slots_appointment').on('booked_slots').column('appointment_id').execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      for (const table of ['booked_slots', 'appointments', 'availability_slots', 'clients', 'providers']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
