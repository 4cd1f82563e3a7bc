import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { DatabaseService } from '../database/database.service';
import { toProblem } from './problem';

const url = process.env.DATABASE_URL;
const describePostgres = url && !url.startsWith('sqlite') ? describe : describe.skip;

/**
 * node-postgres's query_timeout (6 s) is the client's own timer: the server may have done the work.
 * A COMMIT whose answer came in time but was read late (a starved event loop) is committed, yet the
 * caller is told "nothing was changed".
 */
describePostgres('a read timeout on COMMIT', () => {
  let sut: DatabaseService;
  const table = `read_timeout_${randomUUID().replace(/-/g, '')}`;

  beforeAll(async () => {
    sut = DatabaseService.open({ kind: 'postgres', url: url! });
    await sql`CREATE TABLE ${sql.table(table)} (id integer)`.execute(sut.tables());
  });

  afterAll(async () => {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(sut.tables());
    await sut.onApplicationShutdown();
  });

  it('is answered 503 without "nothing was changed" when the transaction committed', async () => {
    const error = await sut
      .transaction(async (tx) => {
        await sql`INSERT INTO ${sql.table(table)} VALUES (1)`.execute(tx.tables());
        blockAfterNextCommit();
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    const rows = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(sut.tables());
    expect(Number(rows.rows[0].n)).toBe(1); // the write is there
    expect(error).not.toBeNull(); // and the caller was told it failed
    const problem = toProblem(error);
    // The database is what failed (503), but everything was done: the answer must not say nothing was changed.
    expect(problem).toMatchObject({ status: 503, code: 'UNAVAILABLE', detail: expect.stringContaining('may have been made') });
    expect(problem.detail).not.toMatch(/nothing was changed/);
  }, 20_000);
});

/** The next COMMIT is sent, then the event loop is kept busy for 6.5 s (a starved machine). */
function blockAfterNextCommit() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as typeof import('pg');
  const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (typeof args[0] === 'string' && args[0].toLowerCase() === 'commit') {
      proto.query = original;
      const until = Date.now() + 6500;
      while (Date.now() < until) {
        /* busy */
      }
    }
    return result;
  };
}
