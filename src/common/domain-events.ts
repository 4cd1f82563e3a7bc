import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';

/*
 * What happened, told to whoever listens (the live queue today; the outbox, webhooks and waitlist
 * later). Each event is emitted once its change has committed. Payloads are plain facts, not
 * entities, so a listener never depends on another module's internals. Instants are epoch ms.
 */

/** An appointment's who, when and where, as it stood when the event happened. */
export interface AppointmentFacts {
  appointmentId: number;
  providerId: number;
  clientId: number;
  /** The provider's local date, `YYYY-MM-DD`. */
  date: string;
  /** Wall-clock times in the provider's zone, `HH:mm`. */
  startTime: string;
  endTime: string;
  startAt: number;
  endAt: number;
}

/** A queue entry's who and which queue. */
export interface QueueEntryFacts {
  entryId: number;
  providerId: number;
  /** Null for someone who joined remotely, without a client record. */
  clientId: number | null;
  /** Null for a walk-in. */
  appointmentId: number | null;
  /** The provider's local date of the queue, `YYYY-MM-DD`. */
  date: string;
}

/** A waitlist entry as the API shows it (GET /api/waitlist/{id}), snake_case, instants as ISO 8601. */
export interface WaitlistEntrySnapshot {
  id: number;
  provider_id: number;
  client_id: number;
  date: string;
  duration_minutes: number;
  from_slot: number;
  to_slot: number;
  status: 'waiting' | 'offered' | 'booked' | 'lapsed' | 'left';
  created_at: string;
  appointment_id: number | null;
  offered_at: string | null;
  left_at: string | null;
}

/** Every domain event by name, with its payload. */
export interface DomainEventMap {
  /** A date's own hours changed: a window posted to it, its override set or removed (slots added, or none). */
  'schedule.published': { providerId: number; date: string };
  /**
   * A provider's weekly hours or booking rules changed: any of its dates may open or close otherwise
   * (a date's own hours, its override, are told by `schedule.published`).
   */
  'schedule.hours_changed': { providerId: number };
  /** A hold was claimed, the pending appointment written and the validation email sent. */
  'appointment.requested': AppointmentFacts & { expiresAt: number };
  /** The held slots were booked. */
  'appointment.confirmed': AppointmentFacts & { confirmedAt: number };
  /** A pending or confirmed appointment was cancelled; its slots are open again. */
  'appointment.cancelled': AppointmentFacts & {
    cancelledAt: number;
    previousStatus: 'pending' | 'confirmed';
    /** The reason the canceller gave, if any. */
    cancellationReason: string | null;
  };
  /**
   * A confirmed appointment moved: the facts are its new time (it stays confirmed); its slots of
   * `previousDate` that the new time does not cover are open again.
   */
  'appointment.rescheduled': AppointmentFacts & {
    previousDate: string;
    previousStartAt: number;
    previousEndAt: number;
    rescheduledAt: number;
    /** The appointment's version after the move: the SEQUENCE of its calendar file. */
    revision: number;
  };
  /**
   * A pending appointment's hold lapsed and it was marked `expired`: by the sweeper (every few seconds,
   * in every process) or by its link pressed too late, whichever came first. Told once per
   * appointment, by the process whose update marked it; `noticedAt` is when that was.
   */
  'appointment.expired': AppointmentFacts & { expiresAt: number; noticedAt: number };
  /**
   * A client's details were erased at its request (its row stays, anonymous): whatever the client has
   * under way (a place in a queue, a waitlist entry) is to end. Its upcoming appointments are cancelled
   * next, each told by its own event. Told again if the erasure is repeated.
   */
  'client.erased': { clientId: number; erasedAt: number };
  /** A client joined a provider's waitlist for a day. */
  'waitlist.joined': { entryId: number; providerId: number; clientId: number; date: string };
  /**
   * Slots were held for a waitlist entry and its validation email written (the entry is `offered`):
   * the offer's appointment (pending until `expiresAt`) and the entry as it reads now.
   */
  'waitlist.offered': AppointmentFacts & { expiresAt: number; offeredAt: number; entry: WaitlistEntrySnapshot };
  /** A client joined a queue (an appointment's check-in or a walk-in). */
  'queue.checked_in': QueueEntryFacts & { checkedInAt: number };
  /** The provider called this client. */
  'queue.called': QueueEntryFacts & { calledAt: number };
  /** The provider finished with this client: the service took calledAt → finishedAt. */
  'queue.done': QueueEntryFacts & { calledAt: number; finishedAt: number };
  /** The provider marked this client as not come. */
  'queue.no_show': QueueEntryFacts & { finishedAt: number };
  /** The client left the queue (by itself, or because its appointment was cancelled). */
  'queue.left': QueueEntryFacts & { finishedAt: number };
}

export type DomainEventName = keyof DomainEventMap;

/** A method that can take the payload of event `K` (it may ignore what it does not need). */
type DomainEventListener<K extends DomainEventName> = (payload: DomainEventMap[K]) => unknown;

/**
 * `@OnEvent` with the event's payload type: a listener whose parameter does not fit the event is a
 * compile error. Listeners run in the emitter's turn; a failure is logged by the event module (its
 * default `suppressErrors`) and never reaches the code that emitted.
 */
export function OnDomainEvent<K extends DomainEventName>(name: K) {
  const decorate = OnEvent(name);
  return <M extends DomainEventListener<K>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>): void => {
    decorate(target, key, descriptor);
  };
}

/** The only way to emit a domain event: the name picks the payload type. */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger(DomainEvents.name);

  constructor(private readonly emitter: EventEmitter2) {}

  /**
   * Tells every listener and waits for them all; never throws, since the change it tells of has
   * already happened. Call it after the commit.
   */
  async emit<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): Promise<void> {
    try {
      await this.emitter.emitAsync(name, payload);
    } catch (error) {
      // Listeners registered through @OnDomainEvent have their failures logged already; this catches any other.
      this.logger.warn(`A listener of ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
