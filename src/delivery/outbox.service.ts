import { Injectable } from '@nestjs/common';
import { isErasedAddress } from '../clients/erased-client';
import { Clock } from '../common/clock';
import { Transaction } from '../database/database.service';
import { toDeliveryView } from './delivery-view';
import { DeliveryView } from './dto/delivery.dto';
import { DeliveryKind, NewMessage } from './outbox-message';
import { OutboxRepository } from './outbox.repository';
import { OutboxWorker } from './outbox-worker';

/**
 * The one way to send a message: add it to the outbox inside the transaction of the change that
 * causes it. It goes out once that transaction commits (this process's worker is woken then), and
 * never if it rolls back.
 */
@Injectable()
export class Outbox {
  constructor(
    private readonly repository: OutboxRepository,
    private readonly worker: OutboxWorker,
    private readonly clock: Clock,
  ) {}

  /** Adds the messages; one to an erased client's placeholder address is dropped, since nobody is there to read it. */
  async add(tx: Transaction, ...messages: NewMessage[]): Promise<void> {
    const deliverable = messages.filter((message) => !(message.channel === 'email' && isErasedAddress(message.payload.to)));
    if (deliverable.length === 0) return;
    await this.repository.add(tx, deliverable, this.clock.nowMs());
    tx.afterCommit(() => this.worker.wake());
  }

  /** Adds one message and answers its delivery as GET /api/deliveries lists it. */
  async addOne(tx: Transaction, message: NewMessage): Promise<DeliveryView> {
    const row = await this.repository.addOne(tx, message, this.clock.nowMs());
    tx.afterCommit(() => this.worker.wake());
    return toDeliveryView(row);
  }

  /** Drops a webhook's calls that have not gone out, in the transaction that deletes it. */
  async dropWebhookCalls(tx: Transaction, webhookId: number): Promise<void> {
    await this.repository.dropQueuedOfWebhook(tx, webhookId);
  }

  /** Drops an appointment's messages of these kinds that have not gone out yet, in the same transaction. */
  async drop(tx: Transaction, appointmentId: number, kinds: DeliveryKind[]): Promise<void> {
    await this.repository.dropQueued(tx, appointmentId, kinds);
  }
}
