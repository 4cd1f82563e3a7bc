import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

const id = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' as const };
const epoch = (name: string, isNullable = false) => ({ name, type: 'bigint', isNullable });
const references = (column: string, table: string) =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'] });

/** Written with TypeORM's table builder so one migration serves SQLite and PostgreSQL. */
export class InitialSchema1764150000000 implements MigrationInterface {
  name = 'InitialSchema1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'providers',
        columns: [
          id,
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'email', type: 'varchar', length: '254', isUnique: true },
          { name: 'phone', type: 'varchar', length: '16', isNullable: true },
          { name: 'time_zone', type: 'varchar', length: '64' },
          epoch('created_at'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'clients',
        columns: [
          id,
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'email', type: 'varchar', length: '254', isUnique: true },
          { name: 'phone', type: 'varchar', length: '16', isNullable: true },
          epoch('created_at'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'availability_slots',
        columns: [
          { name: 'provider_id', type: 'integer', isPrimary: true },
          { name: 'date', type: 'varchar', length: '10', isPrimary: true },
          { name: 'slot_index', type: 'smallint', isPrimary: true },
        ],
        foreignKeys: [references('provider_id', 'providers')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'appointments',
        columns: [
          id,
          { name: 'provider_id', type: 'integer' },
          { name: 'client_id', type: 'integer' },
          { name: 'date', type: 'varchar', length: '10' },
          { name: 'slot_indexes', type: 'varchar', length: '400' },
          { name: 'start_time', type: 'varchar', length: '5' },
          { name: 'end_time', type: 'varchar', length: '5' },
          epoch('start_at'),
          epoch('end_at'),
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'hold_id', type: 'varchar', length: '36', isUnique: true },
          epoch('expires_at'),
          epoch('created_at'),
          epoch('confirmed_at', true),
          epoch('cancelled_at', true),
        ],
        foreignKeys: [references('provider_id', 'providers'), references('client_id', 'clients')],
        indices: [
          new TableIndex({ name: 'appointments_provider_date', columnNames: ['provider_id', 'date'] }),
          new TableIndex({ name: 'appointments_client', columnNames: ['client_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'booked_slots',
        columns: [
          { name: 'provider_id', type: 'integer', isPrimary: true },
          { name: 'starts_at', type: 'bigint', isPrimary: true },
          { name: 'date', type: 'varchar', length: '10' },
          { name: 'slot_index', type: 'smallint' },
          { name: 'appointment_id', type: 'integer' },
        ],
        foreignKeys: [references('provider_id', 'providers'), references('appointment_id', 'appointments')],
        indices: [
          new TableIndex({ name: 'booked_slots_provider_date', columnNames: ['provider_id', 'date', 'slot_index'] }),
          new TableIndex({ name: 'booked_slots_appointment', columnNames: ['appointment_id'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['booked_slots', 'appointments', 'availability_slots', 'clients', 'providers']) {
      await queryRunner.dropTable(table);
    }
  }
}
