import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Observable } from 'rxjs';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { flatten } from '../common/validation-pipe';
import { queueJoinConfig } from '../config/namespaces';
import { NewMessage } from '../delivery/outbox-message';
import { Outbox } from '../delivery/outbox.service';
import { MailService } from '../mail/mail.service';
import { ProviderEntity } from '../providers/entities/provider.entity';
import { ProvidersService } from '../providers/providers.service';
import { localDate, localDateTime } from '../scheduling/slots';
import { QueueEntryView } from './dto/queue.dto';
import { JoinQueueDto, JoinRequestedView } from './dto/queue-join.dto';
import { QueueEntryEntity } from './entities/queue-entry.entity';
import { ServerSentEvent } from './event-stream';
import { WALK_IN_MINUTES } from './expected-wait';
import { JoinClaims, QueueJoinLinks } from './queue-join-links';
import { QueueRepository } from './queue.repository';
import { QueueService } from './queue.service';

/** The text that carries a join link. */
export function joinLinkText(providerName: string, link: string, until: string): string {
  return `Join the queue of ${providerName}: open ${link} and press the button (until ${until}).`;
}

/**
 * A join request's body (JSON, or the join page's form) read as the DTO, or 400 naming each bad field.
 * Read here rather than by the global pipe so that the page can show its form again with the errors.
 */
export async function parseJoin(body: unknown): Promise<JoinQueueDto> {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {};
  const dto = plainToInstance(JoinQueueDto, fields);
  const problems = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (problems.length > 0) throw AppError.validation(flatten(problems));
  return dto;
}

/** What a join link shows: the button while nothing is joined, the entry once it is. */
export type JoinLinkState =
  | { joined: false; claims: JoinClaims; provider: ProviderEntity }
  | { joined: true; claims: JoinClaims; provider: ProviderEntity; entry: QueueEntryView };

/**
 * Remote join: anyone asks to join a provider's walk-in queue of today and gets a link by text (when they
 * gave a phone) or email; nothing is stored until the link's button is pressed, which checks them in at
 * that moment, as a walk-in without a client record. The link then shows their entry, live. At most
 * QUEUE_MAX_REMOTE remote entries wait in one queue: checked when the link is asked for, and again, under
 * the queue's lock, when it is pressed.
 */
@Injectable()
export class QueueJoinService {
  constructor(
    private readonly links: QueueJoinLinks,
    private readonly queue: QueueService,
    private readonly entries: QueueRepository,
    private readonly providers: ProvidersService,
    private readonly outbox: Outbox,
    private readonly mail: MailService,
    private readonly clock: Clock,
    @Inject(queueJoinConfig.KEY) private readonly config: ConfigType<typeof queueJoinConfig>,
  ) {}

  /** Sends the join link (an outbox message, written only while the queue has room). */
  async request(dto: JoinQueueDto): Promise<JoinRequestedView> {
    const provider = await this.providers.get(dto.provider_id);
    const now = this.clock.nowMs();
    const date = localDate(now, provider.timeZone);
    const expiresAtMs = now + this.config.linkTtlSeconds * 1000;
    const join = { providerId: provider.id, date, name: dto.name.trim(), phone: dto.phone ?? null, email: dto.email ?? null, expiresAtMs };
    const { link } = this.links.sign(join);
    const message = this.linkMessage(join, link, provider);
    await this.entries.whileRemoteRoom(provider.id, date, this.config.maxRemote, (tx) => this.outbox.add(tx, message));
    return {
      status: 'link_sent',
      provider_id: provider.id,
      date,
      sent_by: message.channel === 'sms' ? 'sms' : 'email',
      expires_at: new Date(expiresAtMs).toISOString(),
    };
  }

  /** What the link's page shows. Reads only: a link scanner opening it joins nothing. */
  async open(token: string): Promise<JoinLinkState> {
    const claims = this.links.verify(token);
    const provider = await this.providers.get(claims.providerId);
    const joined = await this.queue.joinedEntry(claims.joinKey);
    if (joined) return { joined: true, claims, provider, entry: joined.view };
    this.assertPressable(claims, provider);
    return { joined: false, claims, provider };
  }

  /** The button: checks the person in now. Pressed again (another tab, a double click), the same entry. */
  async press(token: string): Promise<QueueEntryView> {
    const claims = this.links.verify(token);
    const joined = await this.queue.joinedEntry(claims.joinKey);
    if (joined) return joined.view;
    const provider = await this.providers.get(claims.providerId);
    this.assertPressable(claims, provider);
    const now = this.clock.nowMs();
    return this.queue.checkInRemote(
      {
        providerId: provider.id,
        clientId: null,
        appointmentId: null,
        date: claims.date,
        status: 'waiting',
        queueAt: now,
        appointmentStartAt: null,
        bookedMinutes: WALK_IN_MINUTES,
        checkedInAt: now,
        calledAt: null,
        finishedAt: null,
        remote: { name: claims.name, phone: claims.phone, email: claims.email, joinKey: claims.joinKey },
      },
      this.config.maxRemote,
    );
  }

  /** The entry's events, for the link's live page; the link must have been pressed. */
  async follow(token: string): Promise<{ entry: QueueEntryEntity; events: Observable<ServerSentEvent> }> {
    const claims = this.links.verify(token);
    const joined = await this.queue.joinedEntry(claims.joinKey);
    if (!joined) throw new AppError('NOT_FOUND', 'This link has not joined the queue yet: open it and press its button first');
    return { entry: joined.entry, events: this.queue.followJoinedEntry(joined.entry) };
  }

  /** An unpressed link joins only on its own day and before it expires. */
  private assertPressable(claims: JoinClaims, provider: ProviderEntity): void {
    const now = this.clock.nowMs();
    if (now > claims.expiresAtMs || localDate(now, provider.timeZone) !== claims.date) {
      throw new AppError('HOLD_EXPIRED', 'This join link has expired without being used; ask for a new one');
    }
  }

  /** By text when a phone was given, else by email. */
  private linkMessage(join: Omit<JoinClaims, 'joinKey'>, link: string, provider: ProviderEntity): NewMessage {
    const until = localDateTime(join.expiresAtMs, provider.timeZone);
    // The link proves the phone or address it went to, as a hold's validation link does.
    const about = { kind: 'validation' as const, appointmentId: null, providerId: provider.id };
    if (join.phone !== null)
      return { ...about, channel: 'sms', payload: { to: join.phone, body: joinLinkText(provider.name, link, until) } };
    return {
      ...about,
      channel: 'email',
      payload: this.mail.queueJoinMail({ to: join.email!, name: join.name, providerName: provider.name, link, expiresAt: until }),
    };
  }
}
