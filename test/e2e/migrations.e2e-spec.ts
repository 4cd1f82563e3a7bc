import { sql } from 'kysely';
import { DatabaseService } from '../../src/database/database.service';
import { createBackend, describeBackend, TestBackend } from '../support/backend';
import { createClient, createProvider, futureDate, openIndexes, publish } from '../support/factories';
import { databaseSettingsOf, describeSchema, runSqlFile, TableShape } from '../support/schema';
import { startTestApp } from '../support/test-app';

/** Tables of the migrations written after TypeORM was gone. */
const SINCE_TYPEORM = [
  'date_overrides',
  'idempotency_records',
  'outbox_messages',
  'queue_boards',
  'waitlist_entries',
  'webhooks',
  'weekly_hours',
];
/** Indexes those migrations added to older tables, by table. */
const INDEXES_SINCE_TYPEORM: Record<string, string[]> = {
  appointments: ['appointments_pending_expiry', 'appointments_client_start'],
  queue_entries: ['queue_entries_ticket', 'queue_entries_join_key'],
};
/** Columns those migrations added to older tables, by table. */
const COLUMNS_SINCE_TYPEORM: Record<string, string[]> = {
  providers: ['minimum_notice_minutes', 'booking_horizon_days', 'buffer_minutes', 'max_active_per_client'],
  appointments: ['rescheduled_at', 'cancellation_reason', 'revision', 'guest_name', 'guest_phone'],
  clients: ['erased_at'],
  queue_days: ['tickets_issued', 'priority_streak'],
  queue_entries: ['ticket_number', 'priority', 'notified_positions', 'remote_name', 'remote_phone', 'remote_email', 'join_key'],
};
/** Columns those migrations changed, by table: as they are now → as TypeORM made them. */
const COLUMNS_CHANGED_SINCE_TYPEORM: Record<string, Record<string, string>> = {
  // Remote join: an entry of someone who joined from a link has no client.
  queue_entries: { 'client_id integer': 'client_id integer not null' },
};

/** The schema as TypeORM left it: without the tables, columns and indexes added since. */
const without = (schema: Record<string, TableShape>, tables: string[]) =>
  Object.fromEntries(
    Object.entries(schema)
      .filter(([table]) => !tables.includes(table))
      .map(([table, shape]) => {
        const addedIndexes = INDEXES_SINCE_TYPEORM[table] ?? [];
        const addedColumns = COLUMNS_SINCE_TYPEORM[table] ?? [];
        return [
          table,
          {
            ...shape,
            columns: shape.columns
              .filter((column) => !addedColumns.includes(column.split(' ')[0]))
              .map((column) => COLUMNS_CHANGED_SINCE_TYPEORM[table]?.[column] ?? column),
            indexes: shape.indexes.filter((index) => !addedIndexes.includes(index.replace(/^unique /, '').split(' ')[0])),
          },
        ];
      }),
  );

/** The sweep's index: pending appointments by expiry. */
const SWEEP_INDEX = /^appointments_pending_expiry \(expires_at, id\) where .*status.* = .*'pending'/;

/**
 * The Kysely migrations make the schema the TypeORM migrations made (test/fixtures holds what those
 * left in a database of each kind), and a database made by a TypeORM release is taken over as it is.
 */
describeBackend('the migrations', () => {
  const backends: TestBackend[] = [];
  const databases: DatabaseService[] = [];

  async function freshDatabase(): Promise<{ backend: TestBackend; database: DatabaseService }> {
    const backend = await createBackend();
    backends.push(backend);
    const database = DatabaseService.open(databaseSettingsOf(backend.env));
    databases.push(database);
    return { backend, database };
  }

  const fixtureOf = (database: DatabaseService) => `typeorm-era.${database.kind === 'sqlite' ? 'sqlite' : 'postgres'}.sql`;

  afterAll(async () => {
    for (const database of databases) await database.onApplicationShutdown();
    for (const backend of backends) await backend.dispose();
  });

  it('make the same tables, columns, types, keys, constraints and indexes as the TypeORM migrations did', async () => {
    const { database: migrated } = await freshDatabase();
    await migrated.migrate();
    const { database: typeOrmMade } = await freshDatabase();
    await runSqlFile(typeOrmMade, fixtureOf(typeOrmMade));

    const expected = await describeSchema(typeOrmMade);
    expect(Object.keys(expected).sort()).toEqual([
      'appointments',
      'availability_slots',
      'booked_slots',
      'clients',
      'providers',
      'queue_days',
      'queue_entries',
    ]);
    const made = await describeSchema(migrated);
    expect(without(made, SINCE_TYPEORM)).toEqual(expected);
    expect(Object.keys(made).filter((table) => !(table in expected))).toEqual(SINCE_TYPEORM);
    expect(made.appointments.indexes).toContainEqual(expect.stringMatching(SWEEP_INDEX));
  });

  it('take over a database made by a TypeORM release: nothing runs twice, and the app works on it', async () => {
    const { backend, database } = await freshDatabase();
    await runSqlFile(database, fixtureOf(database));
    const before = await describeSchema(database);
    // A queue entry of that release: the rebuild of queue_entries (SQLite) keeps it, and its ids go on after it.
    const db = database.tables<'providers' | 'clients' | 'queue_entries'>();
    const now = Date.now();
    const { id: providerId } = await db
      .insertInto('providers')
      .values({ name: 'Old', email: 'old@clinic.test', time_zone: 'UTC', created_at: now } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    const { id: clientId } = await db
      .insertInto('clients')
      .values({ name: 'Old', email: 'old@mail.test', created_at: now } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    const oldEntry = {
      provider_id: providerId,
      client_id: clientId,
      date: '2026-01-05',
      status: 'done' as const,
      queue_at: now,
      booked_minutes: 15,
    };
    const { id: oldId } = await db
      .insertInto('queue_entries')
      .values({ ...oldEntry, checked_in_at: now } as never)
      .returning('id')
      .executeTakeFirstOrThrow();

    await database.migrate();
    const after = await describeSchema(database);
    expect(without(after, SINCE_TYPEORM)).toEqual(before);
    expect(Object.keys(after).filter((table) => !(table in before))).toEqual(SINCE_TYPEORM);
    expect(after.appointments.indexes).toContainEqual(expect.stringMatching(SWEEP_INDEX));
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(database.tables<never>());
    expect(rows.map((row) => row.name)).toEqual([
      '1764150000000-initial-schema',
      '1764155000000-api-keys',
      '1764160000000-queue',
      '1764170000000-outbox',
      '1764180000000-expiry-sweep',
      '1764190000000-availability',
      '1764205000000-idempotency',
      '1764210000000-webhooks',
      '1764220000000-waitlist',
      '1764230000000-queue-tickets',
      '1764235000000-remote-join',
      '1764240000000-privacy',
    ]);
    await expect(db.selectFrom('queue_entries').selectAll().execute()).resolves.toEqual([
      expect.objectContaining({ ...oldEntry, id: oldId, remote_name: null, join_key: null }),
    ]);
    const { id: nextId } = await db
      .insertInto('queue_entries')
      .values({ ...oldEntry, client_id: null, checked_in_at: now, join_key: 'remote-1', ticket_number: 2 })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(nextId).toBe(oldId + 1);

    const sut = await startTestApp(backend.env, { logger: false });
    try {
      const provider = await createProvider(sut.api);
      const client = await createClient(sut.api);
      const date = futureDate(40);
      await publish(sut.api, provider.id, date, '09:00', '10:00');
      await expect(
        sut.api
          .as(client.api_key)
          .post('/api/client_schedule', { date, provider_id: provider.id, client_id: client.id, requested_slot: 36 }),
      ).resolves.toMatchObject({ status: 202 });
      await expect(openIndexes(sut.api, provider.id, date)).resolves.toEqual([37, 38, 39]);
    } finally {
      await sut.close();
    }
  });
});
