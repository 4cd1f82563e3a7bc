import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { AppointmentEntity } from '../appointments/entities/appointment.entity';
import { BookedSlotEntity } from '../appointments/entities/booked-slot.entity';
import { ClientEntity } from '../clients/entities/client.entity';
import { DatabaseSettings } from '../config/settings';
import { AvailabilitySlotEntity } from '../providers/entities/availability-slot.entity';
import { ProviderEntity } from '../providers/entities/provider.entity';
import { InitialSchema1764150000000 } from './migrations/1764150000000-initial-schema';
import { Queue1764160000000 } from './migrations/1764160000000-queue';
import { QueueDayEntity } from '../queue/entities/queue-day.entity';
import { QueueEntryEntity } from '../queue/entities/queue-entry.entity';
import { ApiKeys1764155000000 } from './migrations/1764155000000-api-keys';

export const ENTITIES = [ProviderEntity, ClientEntity, AvailabilitySlotEntity, AppointmentEntity, BookedSlotEntity, QueueDayEntity, QueueEntryEntity];
export const MIGRATIONS = [InitialSchema1764150000000, ApiKeys1764155000000, Queue1764160000000];

/** SQLite (the bare-machine default) or PostgreSQL; the schema always comes from migrations. */
export function dataSourceOptions(database: DatabaseSettings): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsRun: true, synchronize: false } as const;
  if (database.kind === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      // Fail fast instead of hanging when PostgreSQL does not answer: the request gets a 503.
      connectTimeoutMS: 3000,
      extra: { max: 20, connectionTimeoutMillis: 3000, statement_timeout: 5000, query_timeout: 6000 },
    };
  }
  if (database.path !== ':memory:') mkdirSync(dirname(database.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    prepareDatabase: (db: { pragma: (sql: string) => unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 3000');
    },
  };
}
