import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import { DatabaseConfig } from '../../src/config/namespaces';
import { DatabaseService } from '../../src/database/database.service';

/** What a table is made of, with the names the databases generate for keys and constraints left out. */
export interface TableShape {
  columns: string[];
  primaryKey: string[];
  unique: string[];
  foreignKeys: string[];
  indexes: string[];
}

/** Bookkeeping of the migration tools, not the schema. */
const BOOKKEEPING = new Set(['migrations', 'kysely_migration', 'kysely_migration_lock', 'sqlite_sequence']);

export function databaseSettingsOf(env: Record<string, string | undefined>): DatabaseConfig {
  const url = env.DATABASE_URL!;
  return url.startsWith('sqlite:') ? { kind: 'sqlite', path: url.slice('sqlite:'.length) } : { kind: 'postgres', url };
}

/** Runs a file of DDL (one statement per `;` at a line's end) as it is. */
export async function runSqlFile(database: DatabaseService, file: string): Promise<void> {
  const text = readFileSync(join(__dirname, '..', 'fixtures', file), 'utf8');
  const statements = text
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^--.*$/gm, '').trim())
    .filter(Boolean);
  const db = database.tables<never>();
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export function describeSchema(database: DatabaseService): Promise<Record<string, TableShape>> {
  const db = database.tables<never>() as Kysely<any>;
  return database.kind === 'sqlite' ? describeSqlite(db) : describePostgres(db);
}

const normalize = (text: string) => text.replace(/["`]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();

async function describeSqlite(db: Kysely<any>): Promise<Record<string, TableShape>> {
  const { rows: tables } = await sql<{
    name: string;
    sql: string;
  }>`SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`.execute(db);
  const shapes: Record<string, TableShape> = {};
  for (const table of tables.filter((t) => !BOOKKEEPING.has(t.name))) {
    const name = table.name;
    const { rows: columns } = await sql<{
      name: string;
      type: string;
      notnull: number;
      pk: number;
    }>`SELECT * FROM pragma_table_info(${name})`.execute(db);
    const { rows: indexes } = await sql<{ name: string; unique: number; origin: string }>`SELECT * FROM pragma_index_list(${name})`.execute(
      db,
    );
    const { rows: foreignKeys } = await sql<{
      id: number;
      table: string;
      from: string;
      to: string;
    }>`SELECT * FROM pragma_foreign_key_list(${name})`.execute(db);
    const { rows: indexSql } = await sql<{
      name: string;
      sql: string | null;
    }>`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ${table.name}`.execute(db);
    const autoincrement = /autoincrement/i.test(table.sql);
    const shape: TableShape = {
      columns: columns.map(
        (c) => `${c.name} ${c.type.toLowerCase()}${c.notnull ? ' not null' : ''}${c.pk === 1 && autoincrement ? ' autoincrement' : ''}`,
      ),
      primaryKey: columns
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      unique: [],
      foreignKeys: foreignKeys.map((fk) => `${fk.from} → ${fk.table}(${fk.to})`).sort(),
      indexes: [],
    };
    for (const index of indexes) {
      const { rows: indexColumns } = await sql<{ name: string }>`SELECT name FROM pragma_index_info(${index.name}) ORDER BY seqno`.execute(
        db,
      );
      const columnList = indexColumns.map((c) => c.name).join(', ');
      if (index.origin === 'u') shape.unique.push(columnList);
      if (index.origin === 'c') {
        const where = /\bwhere\b(.*)$/is.exec(indexSql.find((i) => i.name === index.name)?.sql ?? '');
        shape.indexes.push(`${index.unique ? 'unique ' : ''}${index.name} (${columnList})${where ? ` where ${normalize(where[1])}` : ''}`);
      }
    }
    shape.unique.sort();
    shape.indexes.sort();
    shapes[table.name] = shape;
  }
  return shapes;
}

async function describePostgres(db: Kysely<any>): Promise<Record<string, TableShape>> {
  const { rows: tables } = await sql<{
    name: string;
  }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`.execute(db);
  const shapes: Record<string, TableShape> = {};
  for (const { name } of tables.filter((t) => !BOOKKEEPING.has(t.name))) {
    const { rows: columns } = await sql<{
      column_name: string;
      data_type: string;
      length: number | null;
      is_nullable: string;
      column_default: string | null;
    }>`
      SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${name} ORDER BY ordinal_position`.execute(db);
    const { rows: constraints } = await sql<{ type: string; columns: string; target: string | null; target_columns: string | null }>`
      SELECT c.contype AS type,
        (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns,
        c.confrelid::regclass::text AS target,
        (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS target_columns
      FROM pg_constraint c WHERE c.conrelid = ${name}::regclass`.execute(db);
    const { rows: indexes } = await sql<{ name: string; unique: boolean; columns: string; predicate: string | null }>`
      SELECT i.relname AS name, x.indisunique AS unique, pg_get_expr(x.indpred, x.indrelid) AS predicate,
        (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
          JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum) AS columns
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indrelid = ${name}::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`.execute(db);
    shapes[name] = {
      columns: columns.map((c) => {
        const serial = c.column_default?.startsWith('nextval(') ? ' serial' : '';
        return `${c.column_name} ${c.data_type}${c.length ? `(${c.length})` : ''}${c.is_nullable === 'NO' ? ' not null' : ''}${serial}`;
      }),
      primaryKey: constraints.find((c) => c.type === 'p')?.columns.split(', ') ?? [],
      unique: constraints
        .filter((c) => c.type === 'u')
        .map((c) => c.columns)
        .sort(),
      foreignKeys: constraints
        .filter((c) => c.type === 'f')
        .map((c) => `${c.columns} → ${c.target}(${c.target_columns})`)
        .sort(),
      indexes: indexes
        .map((i) => `${i.unique ? 'unique ' : ''}${i.name} (${i.columns})${i.predicate ? ` where ${normalize(i.predicate)}` : ''}`)
        .sort(),
    };
  }
  return shapes;
}
