import { Kysely, Migration } from 'kysely';
import { DatabaseKind } from '../database.service';
import { withId } from './columns';

/**
 * Webhook subscriptions, and the outbox's link from a webhook call to its subscription (no foreign key:
 * a deleted subscription's sent calls stay in the delivery log, as an appointment's messages do).
 * A subscription is active while `deactivated_at` is null; `failing_since` is the first failure after
 * its last success.
 */
export function webhooks(kind: DatabaseKind): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('webhooks')
        .$call(withId(kind))
        .addColumn('url', 'varchar(2048)', (column) => column.notNull())
        .addColumn('events', 'text', (column) => column.notNull())
        .addColumn('provider_id', 'integer')
        .addColumn('secret', 'varchar(64)', (column) => column.notNull())
        .addColumn('created_at', 'bigint', (column) => column.notNull())
        .addColumn('failing_since', 'bigint')
        .addColumn('deactivated_at', 'bigint')
        .addForeignKeyConstraint('webhooks_provider_fk', ['provider_id'], 'providers', ['id'])
        .execute();
      await db.schema.createIndex('webhooks_provider').on('webhooks').columns(['provider_id', 'id']).execute();
      await db.schema.alterTable('outbox_messages').addColumn('webhook_id', 'integer').execute();
      await db.schema.createIndex('outbox_messages_webhook').on('outbox_messages').columns(['webhook_id', 'id']).execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('outbox_messages_webhook').execute();
      await db.schema.alterTable('outbox_messages').dropColumn('webhook_id').execute();
      await db.schema.dropTable('webhooks').execute();
    },
  };
}
