import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { ProvidersModule } from '../providers/providers.module';
import { WebhookCallsModule } from './webhook-calls.module';
import { WebhookEvents } from './webhook-events.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Webhook subscriptions, and WebhookEvents, which the features call in their transactions to write the calls. */
@Module({
  imports: [WebhookCallsModule, DeliveryModule, ProvidersModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookEvents],
  exports: [WebhookEvents],
})
export class WebhooksModule {}
