import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/** Providers and clients get a bearer key, stored only as its SHA-256. */
export class ApiKeys1764155000000 implements MigrationInterface {
  name = 'ApiKeys1764155000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['providers', 'clients']) {
      await queryRunner.addColumn(table, new TableColumn({ name: 'api_key_hash', type: 'varchar', length: '64', isNullable: true }));
      await queryRunner.createIndex(
        table,
        new TableIndex({ name: `${table}_api_key_hash`, columnNames: ['api_key_hash'], isUnique: true }),
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['providers', 'clients']) {
      await queryRunner.dropIndex(table, `${table}_api_key_hash`);
      await queryRunner.dropColumn(table, 'api_key_hash');
    }
  }
}
