import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { MetricsModule } from '../metrics/metrics.module';
import { SmsModule } from '../sms/sms.module';
import { WebhookCallsModule } from '../webhooks/webhook-calls.module';
import { ChannelSenders } from './channel-senders';
import { HealthModule } from '../health/health.module';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { DeliveryHealth } from './delivery-health';
import { DeliveryMetrics } from './delivery-metrics';
import { OutboxRepository } from './outbox.repository';
import { Outbox } from './outbox.service';
import { OutboxWorker } from './outbox-worker';
import { OutboxFolder } from './outbox-folder';

/** The outbox: messages (emails, texts, webhook calls) written with the change that causes them, and the workers that send them. */
@Module({
  imports: [MailModule, SmsModule, WebhookCallsModule, MetricsModule, HealthModule],
  controllers: [DeliveriesController],
  providers: [OutboxRepository, Outbox, OutboxWorker, ChannelSenders, DeliveriesService, DeliveryMetrics, DeliveryHealth, OutboxFolder],
  exports: [Outbox, OutboxRepository, DeliveriesService, OutboxFolder],
})
export class DeliveryModule {}
