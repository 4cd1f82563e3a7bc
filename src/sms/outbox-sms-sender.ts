import { Logger } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Clock } from '../common/clock';
import { outboxCopyName } from '../delivery/outbox-folder';
import { maskPhone, SmsSender } from './sms-sender';

/** The embedded default (no SMS_URL): each text goes to {DATA_DIR}/outbox/<ts>-<message key>.sms.json and the log. */
export class OutboxSmsSender extends SmsSender {
  private readonly logger = new Logger('Sms');
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly outboxDir: string,
    private readonly clock: Clock,
  ) {
    super();
  }

  async send(to: string, body: string, messageKey: string): Promise<void> {
    const createdAt = this.clock.nowMs();
    this.ready ??= mkdir(this.outboxDir, { recursive: true });
    await this.ready;
    const file = join(this.outboxDir, outboxCopyName(createdAt, messageKey, '.sms.json'));
    await writeFile(file, JSON.stringify({ to, body, created_at: new Date(createdAt).toISOString() }, null, 2) + '\n');
    this.logger.log(`Text to ${maskPhone(to)} (outbox): ${body}`);
  }
}
