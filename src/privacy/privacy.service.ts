import { Injectable, Logger } from '@nestjs/common';
import { actsForClient, Caller } from '../access/caller';
import { toAppointmentView } from '../appointments/appointment-view';
import { AppointmentsService } from '../appointments/appointments.service';
import { ClientsService } from '../clients/clients.service';
import { toClientView } from '../clients/client-view';
import { ClientEntity } from '../clients/entities/client.entity';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/domain-events';
import { DatabaseService, Transaction } from '../database/database.service';
import { OutboxFolder } from '../delivery/outbox-folder';
import { OutboxRepository, OutboxRow } from '../delivery/outbox.repository';
import { maskRecipient } from '../delivery/recipient-mask';
import { IdempotencyStore } from '../idempotency/idempotency-store';
import { formatTicket } from '../queue/queue-tickets';
import { QueueService } from '../queue/queue.service';
import { WaitlistService } from '../waitlist/waitlist.service';
import { ClientExportView, ExportedDelivery, ExportedQueueEntry } from './dto/privacy.dto';
import { ERASED_TEXT, mentions, PersonalDetails, scrubMessage } from './personal-details';

const instant = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What a message keeps in place of the text it held, when the details could not be taken out of it alone. */
const ERASED_MESSAGE = JSON.stringify({ erased: true });

function notFound(id: number): AppError {
  return new AppError('CLIENT_NOT_FOUND', `Client ${id} does not exist`);
}

/**
 * A client's right to its data: an export of every record about it, and its erasure. Each module
 * keeps its own tables; this service asks each for its part, and runs the erasure's writes in one
 * transaction.
 */
@Injectable()
export class PrivacyService {
  private readonly logger = new Logger(PrivacyService.name);

  constructor(
    private readonly database: DatabaseService,
    private readonly clients: ClientsService,
    private readonly appointments: AppointmentsService,
    private readonly queue: QueueService,
    private readonly waitlist: WaitlistService,
    private readonly outbox: OutboxRepository,
    private readonly outboxFolder: OutboxFolder,
    private readonly idempotency: IdempotencyStore,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
  ) {}

  /** The administrator or the client itself; to anyone else, and once erased, the client does not exist. */
  async export(id: number, caller: Caller): Promise<ClientExportView> {
    if (!actsForClient(caller, id)) throw notFound(id);
    const client = await this.clients.get(id);
    const appointments = await this.appointments.historyOfClient(id);
    const addresses = recipientsOf(
      client,
      appointments.map((appointment) => appointment.guestPhone),
    );
    const [entries, waitlist] = await Promise.all([
      this.queue.entriesOfPerson(id, { emails: [client.email], phones: addresses.filter((address) => address !== client.email) }),
      this.waitlist.entriesOfClient(id),
    ]);
    const appointmentIds = appointments.map((appointment) => appointment.id);
    const messages = await this.outbox.aboutPerson({ recipients: addresses, appointmentIds });
    const itsAppointments = new Set(appointmentIds);
    const now = this.clock.nowMs();
    return {
      client: toClientView(client),
      appointments: appointments.map((appointment) => ({
        ...toAppointmentView(appointment, now),
        guest_name: appointment.guestName,
        guest_phone: appointment.guestPhone,
      })),
      queue_entries: entries.map((entry): ExportedQueueEntry => ({
        entry_id: entry.id,
        provider_id: entry.providerId,
        appointment_id: entry.appointmentId,
        date: entry.date,
        ticket: formatTicket(entry.ticketNumber),
        remote_name: entry.remote?.name ?? null,
        remote_phone: entry.remote?.phone ?? null,
        remote_email: entry.remote?.email ?? null,
        status: entry.status,
        checked_in_at: instant(entry.checkedInAt)!,
        called_at: instant(entry.calledAt),
        finished_at: instant(entry.finishedAt),
      })),
      waitlist,
      // What was sent to the person, and what was sent to others about its appointments (a provider's
      // notice names it): the person's own recipients whole, the others' masked as any list shows them.
      deliveries: messages.flatMap((message) => {
        const toPerson = addresses.includes(message.recipient);
        const aboutItsAppointment = message.appointment_id !== null && itsAppointments.has(message.appointment_id);
        return toPerson || aboutItsAppointment ? [exportedDelivery(message, toPerson)] : [];
      }),
    };
  }

  /**
   * Erases the client: in one transaction its name, address and phone are replaced (its key with
   * them), its appointments' copies cleared (a guest's name and phone, a cancellation's reason), its
   * messages not sent yet deleted and every other message about it rewritten without its details.
   * Then the answers kept for repeated requests are deleted, whatever it has under way ended
   * (`client.erased`: its waitlist entries, its places in queues) and its upcoming appointments
   * cancelled (the providers told). Repeating it finishes
   * any of those later steps a crash left undone, and answers the same.
   */
  async erase(id: number, caller: Caller): Promise<void> {
    if (!actsForClient(caller, id)) throw notFound(id);
    const record = await this.clients.getRecord(id);
    const erasedAt = record.erasedAt ?? this.clock.nowMs();
    if (record.erasedAt === null) {
      const erased = await this.database.transaction((tx) => this.eraseIn(tx, record, erasedAt));
      if (erased) await this.clients.forgetKey(erased);
    }
    await this.idempotency.forgetClient(id);
    // Its waitlist entries and queue places end first, so that no slot the cancellations free is offered back to it.
    await this.events.emit('client.erased', { clientId: id, erasedAt });
    await this.appointments.cancelUpcomingOfErased(id);
  }

  private async eraseIn(tx: Transaction, record: ClientEntity, erasedAt: number): Promise<ClientEntity | null> {
    const id = record.id;
    // The appointments first: their step takes the client's caps lock, which requests of the client take before writing.
    const history = await this.appointments.eraseClientIn(tx, id);
    // Someone who joined a queue remotely with the client's address or phone is the same person. Before the
    // client's row is locked: a queue change holds its entries, then shares that row (see QueueService), so
    // taking the rows in the other order could deadlock the two.
    const remotePhones = [...(record.phone ? [record.phone] : []), ...history.guestPhones];
    await this.queue.eraseRemoteContactIn(tx, { emails: [record.email], phones: remotePhones }, ERASED_TEXT);
    const before = await this.clients.eraseIn(tx, id, erasedAt);
    if (!before) return null;
    const details: PersonalDetails = {
      names: [before.name, ...history.guestNames],
      emails: [before.email],
      phones: [...(before.phone ? [before.phone] : []), ...history.guestPhones],
    };
    const recipients = [...details.emails, ...details.phones];
    const messages = await this.outbox.aboutPerson({ recipients, appointmentIds: history.appointmentIds }, tx);
    const toDelete: number[] = [];
    // The copies the outbox folder keeps of the messages deleted or cleared here (a message in flight may have one too).
    const copiesToDelete: string[] = [];
    for (const message of messages) {
      const toPerson = recipients.includes(message.recipient);
      if (toPerson && message.status === 'queued') {
        toDelete.push(message.id);
        copiesToDelete.push(message.message_key);
        continue;
      }
      if (!toPerson && !mentions(message.payload, details) && !mentions(message.recipient, details)) continue;
      const payload = scrubMessage(message.payload, details) ?? ERASED_MESSAGE;
      // A refusal of a message to the person quotes their address, masked but still theirs in part.
      const lastError = toPerson && message.last_error !== null ? ERASED_TEXT : undefined;
      await this.outbox.rewrite(tx, message.id, toPerson ? ERASED_TEXT : message.recipient, payload, lastError);
      copiesToDelete.push(message.message_key);
    }
    await this.outbox.deleteQueued(tx, toDelete);
    // Before the commit: once committed, the rewritten rows no longer tell which copies were the person's.
    await this.outboxFolder.forget(copiesToDelete);
    this.logger.log(
      `Client ${id} erased: ${history.appointmentIds.length} appointments kept anonymous, ${messages.length} messages cleared`,
    );
    return before;
  }
}

function recipientsOf(client: ClientEntity, guestPhones: (string | null)[]): string[] {
  const phones = [client.phone, ...guestPhones].filter((phone): phone is string => phone !== null);
  return [...new Set([client.email, ...phones])];
}

function exportedDelivery(row: OutboxRow, toPerson: boolean): ExportedDelivery {
  const payload = parsed(row.payload);
  return {
    id: row.id,
    channel: row.channel,
    kind: row.kind,
    appointment_id: row.appointment_id,
    recipient: toPerson ? row.recipient : maskRecipient(row.channel, row.recipient),
    status: row.status,
    subject: typeof payload.subject === 'string' ? payload.subject : null,
    text: typeof payload.text === 'string' ? payload.text : typeof payload.body === 'string' ? payload.body : null,
    created_at: instant(row.created_at)!,
    sent_at: instant(row.sent_at),
  };
}

function parsed(payload: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(payload);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
