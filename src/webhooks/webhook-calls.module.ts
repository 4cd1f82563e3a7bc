import { Module } from '@nestjs/common';
import { HostResolver, WebhookAddresses } from './webhook-addresses';
import { WebhookCaller } from './webhook-caller';
import { WebhookSender } from './webhook-sender';
import { WebhooksRepository } from './webhooks.repository';

/**
 * What the outbox needs to make webhook calls (as MailModule is for emails): the subscriptions, the
 * address rules and the HTTP caller. Apart from WebhooksModule, so that the delivery module can import
 * it while WebhooksModule imports the delivery module's outbox.
 */
@Module({
  providers: [WebhooksRepository, HostResolver, WebhookAddresses, WebhookCaller, WebhookSender],
  exports: [WebhooksRepository, WebhookAddresses, WebhookSender],
})
export class WebhookCallsModule {}
