import { Module } from '@nestjs/common';
import { HoldsModule } from '../holds/holds.module';
import { HealthChecks } from './health-checks';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

/** The health routes; HealthChecks is exported so other modules can add what they report. */
@Module({ imports: [HoldsModule], controllers: [HealthController], providers: [HealthService, HealthChecks], exports: [HealthChecks] })
export class HealthModule {}
