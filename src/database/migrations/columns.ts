import { CreateTableBuilder } from 'kysely';
import { DatabaseKind } from '../database.service';

/** An auto-numbered integer primary key `id`: serial on PostgreSQL, AUTOINCREMENT (never reused) on SQLite. */
export function withId(kind: DatabaseKind) {
  return <T extends string>(table: CreateTableBuilder<T>) =>
    kind === 'postgres'
      ? table.addColumn('id', 'serial', (column) => column.primaryKey())
      : table.addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement().notNull());
}
