import { Kysely, Migration, sql } from 'kysely';
import { DatabaseKind } from '../database.service';
import { withId } from './columns';

/** The outbox: every email, text and webhook call, written with the change that causes it and sent by the workers. */
export function outbox(kind: DatabaseKind): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('outbox_messages')
        .$call(withId(kind))
        .addColumn('channel', 'varchar(16)', (column) => column.notNull())
        .addColumn('kind', 'varchar(32)', (column) => column.notNull())
        .addColumn('recipient', 'text', (column) => column.notNull())
        .addColumn('payload', 'text', (column) => column.notNull())
        .addColumn('message_key', 'varchar(64)', (column) => column.notNull())
        .addColumn('appointment_id', 'integer')
        .addColumn('provider_id', 'integer')
        .addColumn('status', 'varchar(16)', (column) => column.notNull())
        .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('due_at', 'bigint', (column) => column.notNull())
        .addColumn('next_attempt_at', 'bigint', (column) => column.notNull())
        .addColumn('send_before', 'bigint')
        .addColumn('lease_until', 'bigint')
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('sent_at', 'bigint')
        .execute();
      // What the workers claim: the queued messages by due time, and nothing else.
      await db.schema
        .createIndex('outbox_messages_due')
        .on('outbox_messages')
        .columns(['next_attempt_at', 'id'])
        .where(sql<boolean>`status = 'queued'`)
        .execute();
      await db.schema.createIndex('outbox_messages_appointment').on('outbox_messages').columns(['appointment_id', 'kind']).execute();
      await db.schema.createIndex('outbox_messages_status').on('outbox_messages').columns(['status', 'id']).execute();
      await db.schema.createIndex('outbox_messages_message_key').on('outbox_messages').column('message_key').unique().execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('outbox_messages').execute();
    },
  };
}
