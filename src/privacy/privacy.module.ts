import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { ClientsModule } from '../clients/clients.module';
import { DomainEventsModule } from '../common/domain-events.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { QueueModule } from '../queue/queue.module';
import { WaitlistModule } from '../waitlist/waitlist.module';
import { PrivacyController } from './privacy.controller';
import { PrivacyService } from './privacy.service';

/** A client's data export and erasure, across the modules that keep something about it. */
@Module({
  imports: [ClientsModule, AppointmentsModule, QueueModule, WaitlistModule, DeliveryModule, IdempotencyModule, DomainEventsModule],
  controllers: [PrivacyController],
  providers: [PrivacyService],
})
export class PrivacyModule {}
