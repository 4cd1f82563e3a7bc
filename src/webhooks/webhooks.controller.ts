import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, SendsMessages } from '../access/access.decorators';
import { Caller } from '../access/caller';
import { IdParamPipe } from '../common/id-param.pipe';
import { PageQuery } from '../common/pagination';
import { ApiProblems } from '../common/swagger';
import { DeliveryPage, DeliveryView, ListDeliveriesQuery } from '../delivery/dto/delivery.dto';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { CreatedWebhookView, CreateWebhookDto, WebhookPage, WebhookView } from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const WHO =
  "Who: the administrator (any subscription); a provider's key its own subscriptions (another's answers 404); a client's key is refused.";

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Subscribe a URL to events; the answer carries the signing secret, shown this once',
    description:
      "Who: the administrator, to one provider's events (provider_id) or every provider's (without it); a provider's key " +
      'to its own only (provider_id must be its own id: 403 otherwise, or when left out). Each event is then POSTed ' +
      'to the URL as {"type","timestamp","data"}, signed the Standard Webhooks way (webhook-id, webhook-timestamp, ' +
      'webhook-signature), and retried with back-off until a 2xx answers within 10 s. The URL must be http or https; ' +
      'loopback, private, link-local and other non-public addresses are refused (400 naming url) unless ' +
      'WEBHOOK_ALLOW_PRIVATE=true; a host name that does not resolve now is accepted, and checked at each call.',
  })
  @ApiBody({
    type: CreateWebhookDto,
    examples: {
      provider: {
        summary: "A provider's own events",
        value: {
          url: 'https://hooks.clinic.example/scheduler',
          events: ['appointment.confirmed', 'appointment.cancelled'],
          provider_id: 124,
        },
      },
      everyProvider: {
        summary: "Every provider's events (the administrator)",
        value: { url: 'https://ops.example/hooks/scheduler', events: ['appointment.requested', 'queue.called'] },
      },
    },
  })
  @ApiResponse({ status: 201, type: CreatedWebhookView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'PROVIDER_NOT_FOUND', 'LIMIT_REACHED', 'RATE_LIMITED')
  createWebhook(@Body() dto: CreateWebhookDto, @CurrentCaller() caller: Caller): Promise<CreatedWebhookView> {
    return this.webhooks.create(dto, caller);
  }

  @Get()
  @ApiOperation({ summary: 'List subscriptions, newest first (never their secrets)', description: WHO })
  @ApiResponse({ status: 200, type: WebhookPage })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED')
  listWebhooks(@Query() query: PageQuery, @CurrentCaller() caller: Caller): Promise<WebhookPage> {
    return this.webhooks.list(query, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a subscription (never its secret)', description: WHO })
  @ApiResponse({ status: 200, type: WebhookView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED')
  getWebhook(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<WebhookView> {
    return this.webhooks.get(id, caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription; its calls not sent yet are dropped', description: WHO })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED')
  deleteWebhook(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<void> {
    return this.webhooks.remove(id, caller);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: "The subscription's delivery log: its calls, newest first, as GET /api/deliveries lists them",
    description: `${WHO} Recipients show the URL's host only; last_error keeps at most 200 characters of a receiver's answer.`,
  })
  @ApiResponse({ status: 200, type: DeliveryPage })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED')
  listWebhookDeliveries(
    @Param('id', IdParamPipe) id: number,
    @Query() query: ListDeliveriesQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<DeliveryPage> {
    return this.webhooks.deliveriesOf(id, query, caller);
  }

  @Post(':id/test')
  @HttpCode(202)
  @SendsMessages()
  @ApiOperation({
    summary: 'Send a test `ping` to the subscription; answers its delivery, queued',
    description:
      `${WHO} The ping ({"type":"ping","timestamp","data":{"webhook_id"}}) goes through the outbox like any call ` +
      '(signed, retried); follow it in the delivery log. It is sent even to an inactive subscription, and its ' +
      'success makes that subscription active again.',
  })
  @ApiResponse({ status: 202, type: DeliveryView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED')
  testWebhook(@Param('id', IdParamPipe) id: number, @CurrentCaller() caller: Caller): Promise<DeliveryView> {
    return this.webhooks.test(id, caller);
  }
}
