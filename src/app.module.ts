import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from './access/access.module';
import { AppointmentsModule } from './appointments/appointments.module';
import { ClientsModule } from './clients/clients.module';
import { CommonModule } from './common/common.module';
import { SettingsModule } from './config/settings.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { ProvidersModule } from './providers/providers.module';
import { PrivacyModule } from './privacy/privacy.module';
import { QueueModule } from './queue/queue.module';
import { SmsModule } from './sms/sms.module';
import { WaitlistModule } from './waitlist/waitlist.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  /** `overrides` take precedence over the environment (tests boot several apps with their own settings). */
  static register(overrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SettingsModule.forRoot(overrides),
        CommonModule,
        DatabaseModule,
        AccessModule,
        IdempotencyModule,
        HealthModule,
        ProvidersModule,
        ClientsModule,
        AppointmentsModule,
        SmsModule,
        QueueModule,
        PrivacyModule,
        WaitlistModule,
        WebhooksModule,
      ],
    };
  }
}
