import { INestApplication } from '@nestjs/common';
import { Selectable } from 'kysely';
import { DatabaseService } from '../../src/database/database.service';
import { OutboxMessagesTable } from '../../src/database/schema';

export type OutboxRow = Selectable<OutboxMessagesTable>;

/**
 * The outbox messages about one provider, oldest first, read straight from the app's database: what
 * the workers did with each message (status, attempts, last_error) is only in those rows.
 */
export async function outboxRowsOf(app: INestApplication, providerId: number): Promise<OutboxRow[]> {
  return app
    .get(DatabaseService)
    .tables<'outbox_messages'>()
    .selectFrom('outbox_messages')
    .selectAll()
    .where('provider_id', '=', providerId)
    .orderBy('id')
    .execute();
}

/** The provider's outbox rows once `settled` holds for them; fails after `timeoutMs` showing the rows. */
export async function outboxRowsWhen(
  app: INestApplication,
  providerId: number,
  settled: (rows: OutboxRow[]) => boolean,
  timeoutMs = 20_000,
): Promise<OutboxRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await outboxRowsOf(app, providerId);
    if (settled(rows)) return rows;
    if (Date.now() > deadline)
      throw new Error(`Outbox rows of provider ${providerId} did not settle in ${timeoutMs} ms: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
