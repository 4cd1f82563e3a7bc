import { Kysely, Migration } from 'kysely';

/** Providers and clients get a bearer key, stored only as its SHA-256. */
export function apiKeys(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const table of ['providers', 'clients']) {
        await db.schema.alterTable(table).addColumn('api_key_hash', 'varchar(64)').execute();
        await db.schema.createIndex(`${table}_api_key_hash`).on(table).column('api_key_hash').unique().execute();
      }
    },

    async down(db: Kysely<any>): Promise<void> {
      for (const table of ['providers', 'clients']) {
        await db.schema.dropIndex(`${table}_api_key_hash`).execute();
        await db.schema.alterTable(table).dropColumn('api_key_hash').execute();
      }
    },
  };
}
