import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import { withRetry } from '../common/retry';
import { MailService } from '../mail/mail.service';
import { ProvidersService } from '../providers/providers.service';
import { SMS_RETRY, SmsService } from '../sms/sms.service';

/** How long shutdown waits for notices under way. */
const SHUTDOWN_GRACE_MS = 2000;

export interface QueueNotice {
  clientId: number;
  /** "It's your turn" (just called) or "you're next" (now first in line). */
  kind: 'turn' | 'next';
  /** For "you're next": the expected wait, in minutes. */
  waitMinutes: number | null;
}

export function noticeText(notice: QueueNotice, providerName: string): string {
  if (notice.kind === 'turn') return `It's your turn: ${providerName} is ready for you now.`;
  const wait = notice.waitMinutes ? ` (about ${notice.waitMinutes} min)` : '';
  return `You're next for ${providerName}${wait}. Please stay close to the waiting room.`;
}

/**
 * Tells clients their turn has come: a text message, or an email for a client without a phone. All of
 * it runs in the background, after the change committed; the queue never waits for it and never
 * fails because of it. Notices go out in the order given (the called client first).
 */
@Injectable()
export class QueueNotifier implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(QueueNotifier.name);
  private readonly shutdown = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sms: SmsService,
    private readonly mail: MailService,
    private readonly clients: ClientsService,
    private readonly providers: ProvidersService,
  ) {}

  notify(providerId: number, date: string, notices: QueueNotice[]): void {
    if (notices.length === 0) return;
    const delivery = this.deliver(providerId, date, notices).catch((error: unknown) =>
      this.logger.warn(`Queue notices of provider ${providerId} not sent: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  /** On shutdown, notices under way get a moment to finish; then retries stop. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  onApplicationShutdown(): void {
    this.shutdown.abort();
  }

  private async deliver(providerId: number, date: string, notices: QueueNotice[]): Promise<void> {
    const provider = await this.providers.get(providerId);
    for (const notice of notices) {
      if (this.shutdown.signal.aborted) return;
      const client = await this.clients.get(notice.clientId);
      if (client.phone) {
        await this.sms.send(client.phone, noticeText(notice, provider.name));
        continue;
      }
      await withRetry(
        () =>
          this.mail.deliver(
            this.mail.queueNoticeMail({
              to: client.email,
              clientName: client.name,
              providerName: provider.name,
              date,
              kind: notice.kind,
              waitMinutes: notice.waitMinutes,
            }),
            randomUUID(),
          ),
        SMS_RETRY,
        { signal: this.shutdown.signal },
      ).catch((error: unknown) =>
        this.logger.warn(`Queue notice mail to client ${client.id} not sent: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  }
}
