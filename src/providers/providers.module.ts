import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AvailabilitySlotEntity } from './entities/availability-slot.entity';
import { ProviderEntity } from './entities/provider.entity';
import { ProvidersController } from './providers.controller';
import { ProvidersRepository } from './providers.repository';
import { ProvidersService } from './providers.service';
import { ScheduleController } from './schedule.controller';
import { ScheduleRepository } from './schedule.repository';
import { ScheduleService } from './schedule.service';

@Module({
  imports: [TypeOrmModule.forFeature([ProviderEntity, AvailabilitySlotEntity])],
  controllers: [ProvidersController, ScheduleController],
  providers: [ProvidersRepository, ProvidersService, ScheduleRepository, ScheduleService],
  exports: [ProvidersService, ScheduleService],
})
export class ProvidersModule {}
