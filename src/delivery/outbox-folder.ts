import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mailConfig, smsConfig } from '../config/namespaces';

const COPY_EXTENSIONS = ['.eml', '.sms.json'];

/** The name of a message's copy in the outbox folder: its time, then its key, so its copies can be found again. */
export function outboxCopyName(createdAt: number, messageKey: string, extension: '.eml' | '.sms.json'): string {
  return `${createdAt}-${messageKey}${extension}`;
}

/** The message key a copy's name carries, or undefined for a file not named by `outboxCopyName`. */
export function messageKeyOfCopy(name: string): string | undefined {
  const extension = COPY_EXTENSIONS.find((ending) => name.endsWith(ending));
  const dash = name.indexOf('-');
  if (!extension || dash < 0) return undefined;
  return name.slice(dash + 1, name.length - extension.length);
}

/**
 * The copies of sent messages kept in the outbox folder (every mail without SMTP_URL, every text
 * without SMS_URL): copies the service keeps like its rows, so an erasure deletes those of its messages.
 */
@Injectable()
export class OutboxFolder {
  constructor(
    @Inject(mailConfig.KEY) private readonly mail: ConfigType<typeof mailConfig>,
    @Inject(smsConfig.KEY) private readonly sms: ConfigType<typeof smsConfig>,
  ) {}

  /** Deletes the copies of these messages, wherever mail and texts are written. */
  async forget(messageKeys: readonly string[]): Promise<void> {
    if (messageKeys.length === 0) return;
    const keys = new Set(messageKeys);
    for (const folder of new Set([this.mail.outboxDir, this.sms.outboxDir])) {
      const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [] as string[];
        throw error;
      });
      const copies = names.filter((name) => keys.has(messageKeyOfCopy(name) ?? ''));
      await Promise.all(copies.map((name) => rm(join(folder, name), { force: true })));
    }
  }
}
