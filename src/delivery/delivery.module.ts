import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { SmsModule } from '../sms/sms.module';
import { ChannelSenders } from './channel-senders';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { OutboxRepository } from './outbox.repository';
import { Outbox } from './outbox.service';
import { OutboxWorker } from './outbox-worker';

/** The outbox: messages written with the change that causes them, and the workers that send them. */
@Module({
  imports: [MailModule, SmsModule],
  controllers: [DeliveriesController],
  providers: [OutboxRepository, Outbox, OutboxWorker, ChannelSenders, DeliveriesService],
  exports: [Outbox, OutboxRepository, DeliveriesService],
})
export class DeliveryModule {}
