import { ConfigType } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { JwtModule } from '@nestjs/jwt';
import { Test, TestingModule } from '@nestjs/testing';
import { ADMIN, Caller } from '../../src/access/caller';
import { ApiKeyCache } from '../../src/access/api-key-cache';
import { AppointmentCheckIns } from '../../src/appointments/appointment-check-ins';
import { AppointmentsRepository } from '../../src/appointments/appointments.repository';
import { AppointmentsService } from '../../src/appointments/appointments.service';
import { AppointmentReminders } from '../../src/appointments/appointment-reminders';
import { ConfirmationService } from '../../src/appointments/confirmation.service';
import { ManageLinks } from '../../src/appointments/manage-links';
import { HoldExpiryService } from '../../src/appointments/hold-expiry.service';
import { HOLD_TOKEN_ALGORITHM, HoldTokenService } from '../../src/appointments/hold-token.service';
import { OpenSlotsService } from '../../src/appointments/open-slots.service';
import { SlotHolds } from '../../src/appointments/slot-holds';
import { CacheBus, LocalCacheBus } from '../../src/cache/cache-bus';
import { ClientsRepository } from '../../src/clients/clients.repository';
import { ClientsService } from '../../src/clients/clients.service';
import { Clock } from '../../src/common/clock';
import { DomainEventMap, DomainEventName, DomainEvents } from '../../src/common/domain-events';
import { DomainEventsModule } from '../../src/common/domain-events.module';
import { holdsConfig, httpConfig, mailConfig, queueConfig, queueJoinConfig, remindersConfig } from '../../src/config/namespaces';
import { HoldStore } from '../../src/holds/hold-store';
import { MemoryHoldStore } from '../../src/holds/memory-hold-store';
import { MailerService } from '@nestjs-modules/mailer';
import { Outbox } from '../../src/delivery/outbox.service';
import { MailService } from '../../src/mail/mail.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { ProvidersRepository } from '../../src/providers/providers.repository';
import { HoursService } from '../../src/providers/hours.service';
import { ProvidersService } from '../../src/providers/providers.service';
import { ScheduleRepository } from '../../src/providers/schedule.repository';
import { ScheduleService } from '../../src/providers/schedule.service';
import { MemoryQueueEvents, QueueEvents } from '../../src/queue/queue-events';
import { QueueRepository } from '../../src/queue/queue.repository';
import { QueueService } from '../../src/queue/queue.service';
import { QueueJoinLinks } from '../../src/queue/queue-join-links';
import { QueueJoinService } from '../../src/queue/queue-join.service';
import { CapturingLogger } from './capturing-logger';
import { InMemoryAppointmentsRepository } from './fakes/memory-appointments.repository';
import { InMemoryClientsRepository } from './fakes/memory-clients.repository';
import { InMemoryProvidersRepository } from './fakes/memory-providers.repository';
import { InMemoryQueueRepository } from './fakes/memory-queue.repository';
import { InMemoryScheduleRepository } from './fakes/memory-schedule.repository';
import { RecordingOutbox } from './fakes/recording-outbox';
import { InMemoryWaitlistRepository } from './fakes/memory-waitlist.repository';
import { WaitlistRepository } from '../../src/waitlist/waitlist.repository';
import { WaitlistService } from '../../src/waitlist/waitlist.service';
import { MemoryWebhooksRepository } from './fakes/memory-webhooks.repository';
import { WebhookEvents } from '../../src/webhooks/webhook-events.service';
import { WebhooksRepository } from '../../src/webhooks/webhooks.repository';
import { TestClock } from './test-clock';

/** Monday 2030-03-04, 08:00 UTC: 09:00 in Paris, the zone of the harness's providers. */
export const HARNESS_START = Date.parse('2030-03-04T08:00:00Z');
export const HARNESS_ZONE = 'Europe/Paris';
export const HARNESS_TODAY = '2030-03-04';
export const HOLD_TTL_SECONDS = 900;

const holdSettings: ConfigType<typeof holdsConfig> = {
  ttlSeconds: HOLD_TTL_SECONDS,
  reminderSeconds: 300,
  maxPendingPerClient: 5,
  sweepIntervalMs: 5000,
  sweepBatchSize: 100,
  jwtSecret: 'service-specs-secret-that-is-long-enough',
};

/** Settings a spec may change: the reminders' lead times and the hold's reminder. */
export interface HarnessSettings {
  /** QUEUE_NOTIFY_AHEAD, furthest first (default [1]). */
  notifyAhead?: number[];
  /** QUEUE_PRIORITY_STREAK (default 2). */
  priorityStreak?: number;
  reminderMinutes?: number[];
  holdReminderSeconds?: number;
  /** QUEUE_MAX_REMOTE (default 20). */
  maxRemote?: number;
}

const httpSettings: ConfigType<typeof httpConfig> = {
  host: '127.0.0.1',
  port: 0,
  publicUrl: 'http://scheduler.test',
  corsOrigins: [],
  trustedProxyHops: 0,
};

const mailSettings: ConfigType<typeof mailConfig> = {
  smtpUrl: undefined,
  from: { name: 'Scheduler', address: 'no-reply@scheduler.test' },
  outboxDir: '/nonexistent',
  logLinks: false,
  outboundTimeoutMs: 1000,
};

export interface EmittedEvent {
  name: DomainEventName;
  payload: unknown;
}

/**
 * The real services of appointments, confirmation, the queue and the waitlist, wired by Nest as the app wires them
 * (so `@OnDomainEvent` listeners are live), over in-memory fakes of our repositories, the in-memory
 * hold store, a test clock, and an outbox that records the messages (mail, texts) written. No database, no Redis, no network.
 */
export class ServiceHarness {
  readonly clock = new TestClock(HARNESS_START);
  readonly holds = new MemoryHoldStore(this.clock);
  readonly providersRepository = new InMemoryProvidersRepository();
  readonly clientsRepository = new InMemoryClientsRepository();
  readonly appointmentsRepository = new InMemoryAppointmentsRepository();
  readonly scheduleRepository = new InMemoryScheduleRepository(this.providersRepository);
  readonly queueRepository: InMemoryQueueRepository;
  readonly waitlistRepository = new InMemoryWaitlistRepository();
  /** Real rendering; sending is the outbox's, which records here. */
  readonly mail = new MailService(undefined as unknown as MailerService, mailSettings, this.clock);
  readonly outbox = new RecordingOutbox();
  readonly webhooksRepository = new MemoryWebhooksRepository();
  readonly logger = new CapturingLogger();
  /** Every domain event, in the order emitted. */
  readonly events: EmittedEvent[] = [];

  private moduleRef!: TestingModule;
  /** Numbers the names and addresses of the providers and clients a spec adds. */
  private counter = 1;

  get appointments(): AppointmentsService {
    return this.moduleRef.get(AppointmentsService);
  }

  get confirmations(): ConfirmationService {
    return this.moduleRef.get(ConfirmationService);
  }

  get reminders(): AppointmentReminders {
    return this.moduleRef.get(AppointmentReminders);
  }

  /** What the sweeper runs every few seconds in the app (the loop itself is not started here). */
  get holdExpiry(): HoldExpiryService {
    return this.moduleRef.get(HoldExpiryService);
  }

  get queue(): QueueService {
    return this.moduleRef.get(QueueService);
  }

  /** The waitlist's service; its triggers (event listeners, the reconcile timer) are not wired: a spec calls offerFor. */
  get waitlist(): WaitlistService {
    return this.moduleRef.get(WaitlistService);
  }

  get queueJoin(): QueueJoinService {
    return this.moduleRef.get(QueueJoinService);
  }

  get manageLinks(): ManageLinks {
    return this.moduleRef.get(ManageLinks);
  }

  get metrics(): MetricsService {
    return this.moduleRef.get(MetricsService);
  }

  get openSlots(): OpenSlotsService {
    return this.moduleRef.get(OpenSlotsService);
  }

  get schedule(): ScheduleService {
    return this.moduleRef.get(ScheduleService);
  }

  get hours(): HoursService {
    return this.moduleRef.get(HoursService);
  }

  get providers(): ProvidersService {
    return this.moduleRef.get(ProvidersService);
  }

  /** Emits as the app's modules do (listeners run before it resolves). */
  get domainEvents(): DomainEvents {
    return this.moduleRef.get(DomainEvents);
  }

  private constructor(priorityStreak: number) {
    this.queueRepository = new InMemoryQueueRepository(priorityStreak);
  }

  static async create(settings: HarnessSettings = {}): Promise<ServiceHarness> {
    const harness = new ServiceHarness(settings.priorityStreak ?? 2);
    harness.moduleRef = await Test.createTestingModule({
      imports: [
        DomainEventsModule,
        JwtModule.register({
          secret: holdSettings.jwtSecret,
          signOptions: { algorithm: HOLD_TOKEN_ALGORITHM },
          verifyOptions: { algorithms: [HOLD_TOKEN_ALGORITHM] },
        }),
      ],
      providers: [
        AppointmentsService,
        AppointmentCheckIns,
        ConfirmationService,
        OpenSlotsService,
        SlotHolds,
        HoldTokenService,
        ProvidersService,
        ClientsService,
        ScheduleService,
        HoursService,
        QueueService,
        WaitlistService,
        QueueJoinLinks,
        QueueJoinService,
        MetricsService,
        AppointmentReminders,
        ManageLinks,
        HoldExpiryService,
        { provide: holdsConfig.KEY, useValue: { ...holdSettings, reminderSeconds: settings.holdReminderSeconds ?? 300 } },
        { provide: remindersConfig.KEY, useValue: { leadMinutes: settings.reminderMinutes ?? [1440, 60] } },
        { provide: httpConfig.KEY, useValue: httpSettings },
        {
          provide: queueConfig.KEY,
          useValue: { notifyAhead: settings.notifyAhead ?? [1], priorityStreak: settings.priorityStreak ?? 2 },
        },
        { provide: queueJoinConfig.KEY, useValue: { maxRemote: settings.maxRemote ?? 20, linkTtlSeconds: 1800 } },
        { provide: QueueEvents, useClass: MemoryQueueEvents },
        { provide: Clock, useValue: harness.clock },
        { provide: ApiKeyCache, useValue: new ApiKeyCache(new LocalCacheBus()) },
        { provide: HoldStore, useValue: harness.holds },
        { provide: CacheBus, useClass: LocalCacheBus },
        { provide: ProvidersRepository, useValue: harness.providersRepository },
        { provide: ClientsRepository, useValue: harness.clientsRepository },
        { provide: AppointmentsRepository, useValue: harness.appointmentsRepository },
        { provide: ScheduleRepository, useValue: harness.scheduleRepository },
        { provide: QueueRepository, useValue: harness.queueRepository },
        { provide: WaitlistRepository, useValue: harness.waitlistRepository },
        { provide: MailService, useValue: harness.mail },
        { provide: Outbox, useValue: harness.outbox },
        WebhookEvents,
        { provide: WebhooksRepository, useValue: harness.webhooksRepository },
      ],
    }).compile();
    harness.moduleRef.useLogger(harness.logger);
    await harness.moduleRef.init();
    harness.moduleRef.get(EventEmitter2, { strict: false }).onAny((name, payload) => {
      harness.events.push({ name: name as DomainEventName, payload });
    });
    return harness;
  }

  async close(): Promise<void> {
    this.holds.onModuleDestroy();
    await this.moduleRef.close();
  }

  /** The payloads of every `name` event so far. */
  emitted<K extends DomainEventName>(name: K): Array<DomainEventMap[K]> {
    return this.events.filter((event) => event.name === name).map((event) => event.payload as DomainEventMap[K]);
  }

  async addProvider(): Promise<number> {
    const n = this.counter++;
    const created = await this.moduleRef
      .get(ProvidersService)
      .create({ name: `Provider ${n}`, email: `provider${n}@scheduler.test`, time_zone: HARNESS_ZONE }, ADMIN);
    return created.id;
  }

  /** A client, with a phone or (`phone: null`) without one. */
  async addClient(phone: string | null = null): Promise<number> {
    const n = this.counter++;
    const created = await this.moduleRef
      .get(ClientsService)
      .create({ name: `Client ${n}`, email: `client${n}@scheduler.test`, ...(phone ? { phone } : {}) }, ADMIN);
    return created.id;
  }

  /** Opens a provider's day between two wall-clock times. */
  async publish(providerId: number, date: string, startTime: string, endTime: string): Promise<void> {
    await this.schedule.publish({ provider_id: providerId, date, start_time: startTime, end_time: endTime }, ADMIN);
  }

  /** Asks for a slot as the client; answers the pending appointment's id and the token its email carried. */
  async request(
    providerId: number,
    clientId: number,
    slot: number,
    date = HARNESS_TODAY,
  ): Promise<{ appointmentId: number; token: string }> {
    const pending = await this.appointments.request(
      { provider_id: providerId, client_id: clientId, date, requested_slot: slot },
      client(clientId),
    );
    return { appointmentId: pending.appointment_id, token: this.outbox.tokenFor(pending.appointment_id) };
  }

  /** A confirmed appointment: asked for, then confirmed through its link. */
  async book(providerId: number, clientId: number, slot: number, date = HARNESS_TODAY): Promise<number> {
    const { appointmentId, token } = await this.request(providerId, clientId, slot, date);
    await this.confirmations.confirm(token);
    return appointmentId;
  }
}

export function client(clientId: number): Caller {
  return { role: 'client', clientId };
}

export function provider(providerId: number): Caller {
  return { role: 'provider', providerId };
}
