import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Database } from './schema';

/** Which module owns each table: only that module's repositories read or write it. */
const OWNER: Record<keyof Database, string> = {
  providers: 'providers',
  availability_slots: 'providers',
  date_overrides: 'providers',
  weekly_hours: 'providers',
  clients: 'clients',
  appointments: 'appointments',
  booked_slots: 'appointments',
  queue_days: 'queue',
  queue_entries: 'queue',
  queue_boards: 'queue',
  outbox_messages: 'delivery',
  idempotency_records: 'idempotency',
  waitlist_entries: 'waitlist',
  webhooks: 'webhooks',
};

const SRC = join(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every `database.tables<'a' | 'b'>()` outside the database module: the tables a file queries. */
const uses = sourceFiles(SRC)
  .map((path) => relative(SRC, path))
  .filter((path) => !path.startsWith(`database${sep}`))
  .flatMap((path) =>
    [...readFileSync(join(SRC, path), 'utf8').matchAll(/\.tables<([^>]*)>\(\)/g)].map((match) => ({
      path,
      module: path.split(sep)[0],
      tables: [...match[1].matchAll(/'([a-z_]+)'/g)].map((table) => table[1]),
    })),
  );

/** The folders under src/ a file imports from (relative imports only). */
function importedFolders(path: string): string[] {
  const text = readFileSync(join(SRC, path), 'utf8');
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((match) => relative(SRC, join(SRC, path, '..', match[1])).split(sep)[0]);
}

describe('module dependencies', () => {
  it.each([
    ['scheduling', ['access', 'appointments', 'clients', 'providers', 'queue', 'database', 'holds', 'mail', 'sms']],
    ['providers', ['appointments', 'queue']],
    ['clients', ['appointments', 'queue', 'providers']],
  ])('%s/ imports nothing from %j: no loop back into it', (folder, forbidden) => {
    const files = sourceFiles(join(SRC, folder)).map((path) => relative(SRC, path));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files)
      expect({ file, imports: importedFolders(file).filter((f) => forbidden.includes(f)) }).toEqual({ file, imports: [] });
  });
});

describe('table ownership', () => {
  it('finds the tables each repository queries', () => {
    expect([...new Set(uses.map((use) => use.path))].sort()).toEqual(
      [
        'appointments/appointments.repository.ts',
        'clients/clients.repository.ts',
        'delivery/outbox.repository.ts',
        'idempotency/database-idempotency-store.ts',
        'providers/providers.repository.ts',
        'providers/schedule.repository.ts',
        'queue/board/queue-board.repository.ts',
        'queue/queue.repository.ts',
        'waitlist/waitlist.repository.ts',
        'webhooks/webhooks.repository.ts',
      ].map((path) => path.split('/').join(sep)),
    );
  });

  it.each(uses.map((use) => [use.path, use] as const))('%s queries only its own module’s tables', (_path, use) => {
    expect(use.tables.length).toBeGreaterThan(0);
    for (const table of use.tables) expect({ table, owner: OWNER[table as keyof Database] }).toEqual({ table, owner: use.module });
  });

  it.each(uses.map((use) => [use.path, use] as const))('%s names no other module’s table in its SQL', (path, use) => {
    const othersTables = Object.entries(OWNER)
      .filter(([, owner]) => owner !== use.module)
      .map(([table]) => table);
    // Table names reach SQL only as string literals (Kysely's 'table as t', 'table.column', sql`…`); import paths are not SQL.
    const code = readFileSync(join(SRC, path), 'utf8').replace(/from '[^']*'/g, '');
    const literals = [...code.matchAll(/'[^'\n]*'|"[^"\n]*"|`[^`]*`/g)].map((match) => match[0]);
    const named = othersTables.filter((table) => literals.some((literal) => new RegExp(`\\b${table}\\b`).test(literal)));
    expect({ path, named }).toEqual({ path, named: [] });
  });

  it.each(uses.map((use) => [use.path, use] as const))('%s takes no query or type from another feature module', (path, use) => {
    // A query handed over unrun would let one module's SQL run over another's tables.
    const features = new Set(Object.values(OWNER));
    const foreign = importedFolders(path).filter((folder) => features.has(folder) && folder !== use.module);
    expect({ path, foreign }).toEqual({ path, foreign: [] });
  });
});
