import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { CacheModule } from '../cache/cache.module';
import { ClientsModule } from '../clients/clients.module';
import { DomainEventsModule } from '../common/domain-events.module';
import { holdsConfig } from '../config/namespaces';
import { DeliveryModule } from '../delivery/delivery.module';
import { HoldsModule } from '../holds/holds.module';
import { MailModule } from '../mail/mail.module';
import { MetricsModule } from '../metrics/metrics.module';
import { ProvidersModule } from '../providers/providers.module';
import { AppointmentCheckIns } from './appointment-check-ins';
import { AppointmentsController } from './appointments.controller';
import { AppointmentsRepository } from './appointments.repository';
import { AppointmentsService } from './appointments.service';
import { HOLD_TOKEN_ALGORITHM, HoldTokenService } from './hold-token.service';
import { OpenSlotsController } from './open-slots.controller';
import { OpenSlotsService } from './open-slots.service';
import { ConfirmationController } from './confirmation.controller';
import { ConfirmationService } from './confirmation.service';
import { AppointmentReminders } from './appointment-reminders';
import { HoldExpiryService } from './hold-expiry.service';
import { HoldSweeper } from './hold-sweeper';
import { SlotHolds } from './slot-holds';
import { GuestBookings } from './guest-bookings.service';
import { ManageLinks } from './manage-links';
import { BookingPageController } from './booking-page.controller';
import { BookingPages } from './booking-pages.service';
import { DayPicker } from './day-picker';
import { ManageController } from './manage.controller';
import { ManagePages } from './manage-pages';
import { ManageService } from './manage.service';
import { WebhooksModule } from '../webhooks/webhooks.module';

@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [holdsConfig.KEY],
      useFactory: (holds: ConfigType<typeof holdsConfig>) => {
        // One KeyObject, made once: given a string, jsonwebtoken rebuilds the key on every call.
        const key = createSecretKey(Buffer.from(holds.jwtSecret, 'utf8'));
        return {
          secretOrKeyProvider: () => key,
          signOptions: { algorithm: HOLD_TOKEN_ALGORITHM },
          verifyOptions: { algorithms: [HOLD_TOKEN_ALGORITHM] },
        };
      },
    }),
    HoldsModule,
    WebhooksModule,
    CacheModule,
    MailModule,
    DeliveryModule,
    MetricsModule,
    ProvidersModule,
    ClientsModule,
    DomainEventsModule,
  ],
  controllers: [AppointmentsController, OpenSlotsController, ConfirmationController, BookingPageController, ManageController],
  providers: [
    AppointmentsRepository,
    AppointmentsService,
    AppointmentCheckIns,
    HoldTokenService,
    OpenSlotsService,
    SlotHolds,
    ConfirmationService,
    AppointmentReminders,
    HoldExpiryService,
    HoldSweeper,
    GuestBookings,
    ManageLinks,
    DayPicker,
    BookingPages,
    ManageService,
    ManagePages,
  ],
  // JwtModule: the queue's join links are signed with the hold tokens' key.
  exports: [AppointmentsService, AppointmentCheckIns, OpenSlotsService, JwtModule],
})
export class AppointmentsModule {}
