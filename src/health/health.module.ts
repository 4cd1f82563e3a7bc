import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { HoldsModule } from '../holds/holds.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({ imports: [HoldsModule, DeliveryModule], controllers: [HealthController], providers: [HealthService] })
export class HealthModule {}
