import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Caller } from '../access/caller';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { webhooksConfig } from '../config/namespaces';
import { decodeCursor, encodeCursor, PageQuery } from '../common/pagination';
import { DeliveriesService } from '../delivery/deliveries.service';
import { DeliveryPage, DeliveryView, ListDeliveriesQuery } from '../delivery/dto/delivery.dto';
import { Outbox } from '../delivery/outbox.service';
import { ProvidersService } from '../providers/providers.service';
import { CreatedWebhookView, CreateWebhookDto, WebhookPage, WebhookView } from './dto/webhook.dto';
import { WebhookAddresses } from './webhook-addresses';
import { WebhookEvents } from './webhook-events.service';
import { newWebhookSecret } from './webhook-signature';
import { toCreatedWebhookView, toWebhookView } from './webhook-view';
import { WebhookEntity } from './webhook.entity';
import { WebhooksRepository } from './webhooks.repository';

const DEFAULT_PAGE_SIZE = 20;

function notFound(id: number): AppError {
  return new AppError('NOT_FOUND', `Webhook ${id} does not exist`);
}

function assertNotClient(caller: Caller): void {
  if (caller.role === 'client') throw new AppError('FORBIDDEN', "A client's key has no webhooks");
}

/**
 * Subscriptions: the administrator's (to any provider's events, or every provider's) and each
 * provider's to its own. Another's subscription answers as if it did not exist.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly addresses: WebhookAddresses,
    private readonly events: WebhookEvents,
    private readonly outbox: Outbox,
    private readonly deliveries: DeliveriesService,
    private readonly providers: ProvidersService,
    private readonly clock: Clock,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  async create(dto: CreateWebhookDto, caller: Caller): Promise<CreatedWebhookView> {
    assertNotClient(caller);
    if (caller.role === 'provider' && dto.provider_id !== caller.providerId) {
      throw new AppError('FORBIDDEN', "A provider's key subscribes to its own events only: provider_id must be its own id");
    }
    if (dto.provider_id !== undefined) await this.providers.get(dto.provider_id);
    const url = new URL(dto.url);
    const addressProblem = await this.addresses.subscribeProblem(url);
    if (addressProblem) throw AppError.field('url', `url is refused: ${addressProblem}`);
    const webhook = await this.webhooks.insert(
      {
        url: dto.url,
        events: [...new Set(dto.events)],
        providerId: dto.provider_id ?? null,
        secret: newWebhookSecret(),
        createdAt: this.clock.nowMs(),
      },
      this.config.maxPerOwner,
    );
    return toCreatedWebhookView(webhook);
  }

  /** Newest first: every subscription for the administrator, its own for a provider. */
  async list(query: PageQuery, caller: Caller): Promise<WebhookPage> {
    assertNotClient(caller);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.webhooks.list({
      providerId: caller.role === 'provider' ? caller.providerId : undefined,
      beforeId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    return { items: items.map(toWebhookView), next_cursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null };
  }

  async get(id: number, caller: Caller): Promise<WebhookView> {
    return toWebhookView(await this.findFor(id, caller));
  }

  /** Deletes the subscription and, with it, its calls not sent yet. */
  async remove(id: number, caller: Caller): Promise<void> {
    await this.findFor(id, caller);
    // Gone meanwhile (another DELETE): the answer is the same.
    await this.webhooks.remove(id, (tx) => this.outbox.dropWebhookCalls(tx, id));
  }

  /** The subscription's calls, as GET /api/deliveries lists them. */
  async deliveriesOf(id: number, query: ListDeliveriesQuery, caller: Caller): Promise<DeliveryPage> {
    await this.findFor(id, caller);
    return this.deliveries.list(query, caller, { webhookId: id });
  }

  /** Writes a `ping` call through the outbox and answers its delivery, queued. */
  async test(id: number, caller: Caller): Promise<DeliveryView> {
    await this.findFor(id, caller);
    const delivery = await this.webhooks.withWebhook(id, async (tx, webhook) =>
      webhook ? this.outbox.addOne(tx, this.events.pingOf(webhook)) : null,
    );
    if (!delivery) throw notFound(id);
    return delivery;
  }

  private async findFor(id: number, caller: Caller): Promise<WebhookEntity> {
    assertNotClient(caller);
    const webhook = await this.webhooks.findById(id);
    if (!webhook || (caller.role === 'provider' && webhook.providerId !== caller.providerId)) throw notFound(id);
    return webhook;
  }
}
