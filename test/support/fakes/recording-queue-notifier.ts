import { QueueNotice, QueueNotifier } from '../../../src/queue/queue-notifier';
import { PublicSurface } from './public-surface';

/** Keeps the notices the queue hands over for delivery (delivering them is QueueNotifier's own business). */
export class RecordingQueueNotifier implements PublicSurface<QueueNotifier> {
  readonly sent: Array<{ providerId: number; date: string; notices: QueueNotice[] }> = [];

  notify(providerId: number, date: string, notices: QueueNotice[]): void {
    if (notices.length > 0) this.sent.push({ providerId, date, notices });
  }

  async beforeApplicationShutdown(): Promise<void> {}

  onApplicationShutdown(): void {}
}
