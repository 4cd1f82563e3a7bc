import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../access/api-keys.module';
import { DomainEventsModule } from '../common/domain-events.module';
import { HoursController } from './hours.controller';
import { HoursService } from './hours.service';
import { ProvidersController } from './providers.controller';
import { ProvidersRepository } from './providers.repository';
import { ProvidersService } from './providers.service';
import { ScheduleController } from './schedule.controller';
import { ScheduleRepository } from './schedule.repository';
import { ScheduleService } from './schedule.service';

@Module({
  imports: [ApiKeysModule, DomainEventsModule],
  controllers: [ProvidersController, HoursController, ScheduleController],
  providers: [ProvidersRepository, ProvidersService, ScheduleRepository, ScheduleService, HoursService],
  exports: [ProvidersService, ScheduleService],
})
export class ProvidersModule {}
