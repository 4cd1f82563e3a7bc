import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { ClientsModule } from '../clients/clients.module';
import { DomainEventsModule } from '../common/domain-events.module';
import { ProvidersModule } from '../providers/providers.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WaitlistController } from './waitlist.controller';
import { WaitlistRepository } from './waitlist.repository';
import { WaitlistService } from './waitlist.service';
import { WaitlistTriggers } from './waitlist-triggers';

@Module({
  imports: [AppointmentsModule, ProvidersModule, ClientsModule, DomainEventsModule, WebhooksModule],
  controllers: [WaitlistController],
  providers: [WaitlistRepository, WaitlistService, WaitlistTriggers],
  exports: [WaitlistService],
})
export class WaitlistModule {}
