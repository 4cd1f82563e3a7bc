import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseService } from './database.service';

const client = (email: string) => ({ name: 'Test', email, phone: null, created_at: 1_764_150_000_000, api_key_hash: null });

describe(DatabaseService.name, () => {
  describe('on SQLite', () => {
    let dataDir: string;
    let sut: DatabaseService;

    beforeEach(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'scheduler-db-'));
      sut = DatabaseService.open({ kind: 'sqlite', path: join(dataDir, 'scheduler.sqlite') });
      await sut.migrate();
    });

    afterEach(async () => {
      await sut.onApplicationShutdown();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('runs concurrent transactions one at a time: the second sees none of the uncommitted rows of the first, and both commit', async () => {
      // As three repositories would: each takes the database from the service.
      const [db, other, reader] = [sut.tables<'clients'>(), sut.tables<'clients'>(), sut.tables<'clients'>()];
      let secondAsked!: () => void;
      const asked = new Promise<void>((resolve) => (secondAsked = resolve));

      const first = db.transaction().execute(async (trx) => {
        await trx.insertInto('clients').values(client('first-a@mail.test')).execute();
        await asked;
        // Every chance for the other transaction and the plain read to run in the middle of this one.
        await new Promise((resolve) => setTimeout(resolve, 20));
        await trx.insertInto('clients').values(client('first-b@mail.test')).execute();
      });
      const second = other.transaction().execute(async (trx) => {
        const seen = await trx.selectFrom('clients').select('email').orderBy('id').execute();
        await trx.insertInto('clients').values(client('second@mail.test')).execute();
        return seen.map((row) => row.email);
      });
      const read = reader.selectFrom('clients').select('email').orderBy('id').execute();
      secondAsked();

      const [, seenBySecond, seenByRead] = await Promise.all([first, second, read]);
      // Waiting for the first to commit, the second and the read see both its rows, never one.
      expect(seenBySecond).toEqual(['first-a@mail.test', 'first-b@mail.test']);
      expect(seenByRead.map((row) => row.email)).toEqual(['first-a@mail.test', 'first-b@mail.test', 'second@mail.test']);
      await expect(db.selectFrom('clients').select('email').orderBy('id').execute()).resolves.toEqual([
        { email: 'first-a@mail.test' },
        { email: 'first-b@mail.test' },
        { email: 'second@mail.test' },
      ]);
    });

    it('rolls a failed transaction back whole, and the next one runs', async () => {
      const db = sut.tables<'clients'>();
      const failed = db.transaction().execute(async (trx) => {
        await trx.insertInto('clients').values(client('kept-out@mail.test')).execute();
        await trx.insertInto('clients').values(client('kept-out@mail.test')).execute();
      });
      const next = db.transaction().execute((trx) => trx.insertInto('clients').values(client('next@mail.test')).execute());
      await expect(failed).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
      await expect(next).resolves.toBeDefined();
      await expect(db.selectFrom('clients').select('email').execute()).resolves.toEqual([{ email: 'next@mail.test' }]);
    });

    it('reads instants back as numbers', async () => {
      const db = sut.tables<'clients'>();
      await db.insertInto('clients').values(client('instant@mail.test')).execute();
      await expect(sut.fetch(db.selectFrom('clients').select('created_at'))).resolves.toEqual([{ created_at: 1_764_150_000_000 }]);
    });
  });
});
