import { Module } from '@nestjs/common';
import { HoldsModule } from '../holds/holds.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({ imports: [HoldsModule], controllers: [HealthController], providers: [HealthService] })
export class HealthModule {}
