import { sql } from 'kysely';
import { DatabaseService } from '../database/database.service';
import { toProblem } from './problem';

const url = process.env.DATABASE_URL;
const describePostgres = url && !url.startsWith('sqlite') ? describe : describe.skip;

/**
 * A PostgreSQL restart kills the connections of open transactions. The pooled client then refuses the
 * next statement, and Kysely throws the ROLLBACK's error in place of the first: what a client of the
 * service sees must still be a 503, never a 500.
 */
describePostgres('a connection lost inside a transaction', () => {
  let sut: DatabaseService;

  beforeAll(() => {
    sut = DatabaseService.open({ kind: 'postgres', url: url! });
  });

  afterAll(async () => {
    await sut.onApplicationShutdown();
  });

  it.each([
    ['at once (the statement meets the reset)', 0],
    ['after the client saw it die (it refuses the statement: "not queryable")', 200],
  ])('is answered 503 UNAVAILABLE when the next statement comes %s', async (_when, pauseMs) => {
    const error = await sut
      .transaction(async (tx) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx.tables());
        // Another connection ends this one, as a server shutting down does.
        await sql`SELECT pg_terminate_backend(${rows[0].pid})`.execute(sut.tables());
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
        await sql`SELECT 1`.execute(tx.tables());
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).not.toBeNull();
    expect(toProblem(error)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
  });
});
