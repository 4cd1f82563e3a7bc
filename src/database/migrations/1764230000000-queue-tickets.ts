import { Kysely, Migration, sql } from 'kysely';

/**
 * Tickets, priority, "N ahead" notices and display boards of the live queue:
 * - each entry's ticket number, unique per provider and day (shown as `A-017`), counted per day in
 *   `queue_days.tickets_issued`; entries checked in before this migration are numbered by check-in order;
 * - each entry's priority flag, and per day the priority calls made in a row while a non-priority entry waited;
 * - the positions an entry was told about (`,3,1,`), so that each is told once;
 * - one board key per provider, stored as its SHA-256 only.
 */
export function queueTickets(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('queue_days')
        .addColumn('tickets_issued', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('queue_days')
        .addColumn('priority_streak', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('queue_entries').addColumn('ticket_number', 'integer').execute();
      await db.schema
        .alterTable('queue_entries')
        .addColumn('priority', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('queue_entries')
        .addColumn('notified_positions', 'varchar(200)', (column) => column.notNull().defaultTo(''))
        .execute();
      await sql`
        UPDATE queue_entries SET ticket_number = (
          SELECT COUNT(*) FROM queue_entries earlier
          WHERE earlier.provider_id = queue_entries.provider_id AND earlier.date = queue_entries.date AND earlier.id <= queue_entries.id
        )`.execute(db);
      await sql`
        UPDATE queue_days SET tickets_issued = (
          SELECT COALESCE(MAX(e.ticket_number), 0) FROM queue_entries e
          WHERE e.provider_id = queue_days.provider_id AND e.date = queue_days.date
        )`.execute(db);
      // The counter row allocates tickets under the day's lock; this is the last line of defence.
      await db.schema
        .createIndex('queue_entries_ticket')
        .on('queue_entries')
        .columns(['provider_id', 'date', 'ticket_number'])
        .unique()
        .execute();

      await db.schema
        .createTable('queue_boards')
        .addColumn('provider_id', 'integer', (column) => column.primaryKey())
        .addColumn('key_hash', 'varchar(64)', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addForeignKeyConstraint('queue_boards_provider_fk', ['provider_id'], 'providers', ['id'])
        .execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('queue_boards').execute();
      await db.schema.dropIndex('queue_entries_ticket').execute();
      for (const column of ['notified_positions', 'priority', 'ticket_number']) {
        await db.schema.alterTable('queue_entries').dropColumn(column).execute();
      }
      for (const column of ['priority_streak', 'tickets_issued']) await db.schema.alterTable('queue_days').dropColumn(column).execute();
    },
  };
}
