import { Kysely, Migration, sql } from 'kysely';

/**
 * What the hold sweeper reads every few seconds in every process: the pending appointments by expiry,
 * and nothing else, so a sweep that finds nothing to do costs one index probe.
 */
export function expirySweep(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createIndex('appointments_pending_expiry')
        .on('appointments')
        .columns(['expires_at', 'id'])
        .where(sql<boolean>`status = 'pending'`)
        .execute();
    },

    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('appointments_pending_expiry').execute();
    },
  };
}
