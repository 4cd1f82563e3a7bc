import { Kysely, Migration, sql } from 'kysely';
import { DatabaseKind } from '../database.service';

const NOT_NULL_CLIENT = /("client_id"\s+integer)\s+not\s+null/i;
const CREATE_QUEUE_ENTRIES = /^create\s+table\s+(if\s+not\s+exists\s+)?"?queue_entries"?/i;
const REBUILT = 'queue_entries_rebuilt';

/**
 * Remote join: a person joins a walk-in queue from a link, without a client record.
 * - `client_id` may be null (an entry of someone who joined remotely);
 * - the remote person's name, phone and email live on the entry, which the queue's notices reach;
 * - `join_key` is the join link's id (its JWT `jti`): pressing the link twice finds the first entry, and
 *   a non-null key marks the entry remote (the per-provider cap counts those).
 */
export function remoteJoin(kind: DatabaseKind): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const [column, type] of [
        ['remote_name', 'varchar(200)'],
        ['remote_phone', 'varchar(16)'],
        ['remote_email', 'varchar(254)'],
        ['join_key', 'varchar(64)'],
      ] as const) {
        await db.schema.alterTable('queue_entries').addColumn(column, type).execute();
      }
      if (kind === 'postgres') await sql`ALTER TABLE queue_entries ALTER COLUMN client_id DROP NOT NULL`.execute(db);
      else await rebuildWithNullableClient(db);
      await db.schema.createIndex('queue_entries_join_key').on('queue_entries').column('join_key').unique().execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('queue_entries_join_key').execute();
      // Remote entries have no client to give back: they go, as the columns that described them.
      await db.deleteFrom('queue_entries').where('client_id', 'is', null).execute();
      if (kind === 'postgres') await sql`ALTER TABLE queue_entries ALTER COLUMN client_id SET NOT NULL`.execute(db);
      for (const column of ['join_key', 'remote_email', 'remote_phone', 'remote_name']) {
        await db.schema.alterTable('queue_entries').dropColumn(column).execute();
      }
    },
  };
}

/**
 * SQLite cannot drop a NOT NULL: the table is made again from its own definition less that constraint
 * (SQLite's documented twelve steps), so columns and indexes added by any earlier migration come along.
 * Foreign keys are off meanwhile, as those steps require, and checked before the commit.
 */
async function rebuildWithNullableClient(db: Kysely<any>): Promise<void> {
  const table = await db
    .selectFrom('sqlite_master')
    .select('sql')
    .where('type', '=', 'table')
    .where('name', '=', 'queue_entries')
    .executeTakeFirstOrThrow();
  const definition = String(table.sql);
  if (!NOT_NULL_CLIENT.test(definition) || !CREATE_QUEUE_ENTRIES.test(definition)) {
    throw new Error(`queue_entries is not as expected, cannot make client_id nullable: ${definition}`);
  }
  const rebuilt = definition.replace(NOT_NULL_CLIENT, '$1').replace(CREATE_QUEUE_ENTRIES, `CREATE TABLE "${REBUILT}"`);
  const indexes = await db
    .selectFrom('sqlite_master')
    .select('sql')
    .where('type', '=', 'index')
    .where('tbl_name', '=', 'queue_entries')
    .where('sql', 'is not', null)
    .execute();
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      const sequence = await trx.selectFrom('sqlite_sequence').select('seq').where('name', '=', 'queue_entries').executeTakeFirst();
      await sql.raw(rebuilt).execute(trx);
      await sql.raw(`INSERT INTO "${REBUILT}" SELECT * FROM "queue_entries"`).execute(trx);
      await sql`DROP TABLE queue_entries`.execute(trx);
      await sql.raw(`ALTER TABLE "${REBUILT}" RENAME TO "queue_entries"`).execute(trx);
      // AUTOINCREMENT never reuses an id: the new table continues from the old one's highest.
      if (sequence) {
        await trx.deleteFrom('sqlite_sequence').where('name', '=', 'queue_entries').execute();
        await trx.insertInto('sqlite_sequence').values({ name: 'queue_entries', seq: sequence.seq }).execute();
      }
      for (const index of indexes) await sql.raw(String(index.sql)).execute(trx);
      const broken = await sql`PRAGMA foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error(`queue_entries rebuilt with broken foreign keys: ${JSON.stringify(broken.rows)}`);
    });
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}
