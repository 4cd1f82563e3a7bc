import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

const references = (column: string, table: string) =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'] });

/** The live queue: one row per check-in, and one row per provider-day that orders its changes. */
export class Queue1764160000000 implements MigrationInterface {
  name = 'Queue1764160000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'queue_days',
        columns: [
          { name: 'provider_id', type: 'integer', isPrimary: true },
          { name: 'date', type: 'varchar', length: '10', isPrimary: true },
          { name: 'revision', type: 'integer' },
        ],
        foreignKeys: [references('provider_id', 'providers')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'queue_entries',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'provider_id', type: 'integer' },
          { name: 'client_id', type: 'integer' },
          { name: 'appointment_id', type: 'integer', isNullable: true },
          { name: 'date', type: 'varchar', length: '10' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'queue_at', type: 'bigint' },
          { name: 'appointment_start_at', type: 'bigint', isNullable: true },
          { name: 'booked_minutes', type: 'integer' },
          { name: 'checked_in_at', type: 'bigint' },
          { name: 'called_at', type: 'bigint', isNullable: true },
          { name: 'finished_at', type: 'bigint', isNullable: true },
        ],
        foreignKeys: [
          references('provider_id', 'providers'),
          references('client_id', 'clients'),
          references('appointment_id', 'appointments'),
        ],
        indices: [
          // Checking an appointment in twice finds the first entry.
          new TableIndex({ name: 'queue_entries_appointment', columnNames: ['appointment_id'], isUnique: true }),
          // A client is in a provider's queue of a day at most once at a time.
          new TableIndex({
            name: 'queue_entries_active_client',
            columnNames: ['provider_id', 'date', 'client_id'],
            isUnique: true,
            where: "status IN ('waiting', 'called')",
          }),
          new TableIndex({ name: 'queue_entries_day', columnNames: ['provider_id', 'date', 'status', 'queue_at'] }),
          // The provider's latest measured services, which the expected service time learns from.
          new TableIndex({ name: 'queue_entries_services', columnNames: ['provider_id', 'status', 'finished_at'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('queue_entries');
    await queryRunner.dropTable('queue_days');
  }
}
