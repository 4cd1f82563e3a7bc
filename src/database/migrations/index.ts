import { Kysely, Migration } from 'kysely';
import { DatabaseKind } from '../database.service';
import { initialSchema } from './1764150000000-initial-schema';
import { apiKeys } from './1764155000000-api-keys';
import { outbox } from './1764170000000-outbox';
import { expirySweep } from './1764180000000-expiry-sweep';
import { availability } from './1764190000000-availability';
import { idempotency } from './1764205000000-idempotency';
import { privacy } from './1764240000000-privacy';
import { webhooks } from './1764210000000-webhooks';
import { queue } from './1764160000000-queue';
import { waitlist } from './1764220000000-waitlist';
import { queueTickets } from './1764230000000-queue-tickets';
import { remoteJoin } from './1764235000000-remote-join';

/** Every migration by name; Kysely runs them in name order and records each in `kysely_migration`. */
export function migrations(kind: DatabaseKind): Record<string, Migration> {
  return {
    '1764150000000-initial-schema': adoptable('InitialSchema1764150000000', initialSchema(kind)),
    '1764155000000-api-keys': adoptable('ApiKeys1764155000000', apiKeys()),
    '1764160000000-queue': adoptable('Queue1764160000000', queue(kind)),
    // Migrations from here on were never TypeORM's.
    '1764170000000-outbox': outbox(kind),
    '1764180000000-expiry-sweep': expirySweep(),
    '1764190000000-availability': availability(),
    '1764205000000-idempotency': idempotency(),
    '1764210000000-webhooks': webhooks(kind),
    '1764220000000-waitlist': waitlist(kind),
    '1764230000000-queue-tickets': queueTickets(),
    '1764235000000-remote-join': remoteJoin(kind),
    '1764240000000-privacy': privacy(),
  };
}

/**
 * Databases made by the releases built on TypeORM list the migrations they ran in its `migrations`
 * table, under the migration's class name; such a migration is not run a second time.
 */
function adoptable(typeOrmName: string, migration: Migration): Migration {
  return {
    up: async (db) => {
      if (!(await ranUnderTypeOrm(db, typeOrmName))) await migration.up(db);
    },
    down: (db) => (migration.down ? migration.down(db) : Promise.resolve()),
  };
}

async function ranUnderTypeOrm(db: Kysely<any>, name: string): Promise<boolean> {
  const tables = await db.introspection.getTables();
  if (!tables.some((table) => table.name === 'migrations')) return false;
  const row = await db.selectFrom('migrations').select('name').where('name', '=', name).executeTakeFirst();
  return row !== undefined;
}
