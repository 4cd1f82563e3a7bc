import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDivisibleBy, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsCalendarDate, IsId, IsQueryId, IsSlotTime, QueryInteger } from '../../common/validators';

export class PostScheduleDto {
  @ApiProperty({ example: '2026-07-28', description: 'YYYY-MM-DD' })
  @IsCalendarDate()
  date: string;

  @ApiProperty({ example: '09:00', description: "HH:mm in the provider's time zone, on a 15-minute boundary" })
  @IsSlotTime()
  start_time: string;

  @ApiProperty({ example: '17:00', description: 'HH:mm, after start_time; 24:00 ends the day' })
  @IsSlotTime()
  end_time: string;

  @ApiProperty({ example: 124 })
  @IsId()
  provider_id: number;
}

export class OpenSlotsQuery {
  @ApiProperty({ example: 124 })
  @IsQueryId()
  provider_id: number;

  @ApiProperty({ example: '2026-07-28' })
  @IsCalendarDate()
  date: string;

  @ApiPropertyOptional({ example: 30, default: 15, description: '15 to 240, in steps of 15' })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(15)
  @Max(240)
  @IsDivisibleBy(15, { message: 'duration_minutes must be a multiple of 15' })
  duration_minutes?: number;
}

export class SlotView {
  @ApiProperty({ example: 36, description: 'Wall-clock start in minutes from local midnight / 15' }) index: number;
  @ApiProperty({ example: '09:00' }) start_time: string;
  @ApiProperty({ example: '09:15' }) end_time: string;
  @ApiProperty({ example: '2026-07-28T07:00:00.000Z' }) start: string;
  @ApiProperty({ example: '2026-07-28T07:15:00.000Z' }) end: string;
}

export class WindowView {
  @ApiProperty({ example: '09:00' }) start_time: string;
  @ApiProperty({ example: '17:00' }) end_time: string;
}

export class ScheduleView {
  @ApiProperty({ example: 124 }) provider_id: number;
  @ApiProperty({ example: '2026-07-28' }) date: string;
  @ApiProperty({ example: 'Europe/Paris' }) time_zone: string;
  @ApiProperty({ type: [SlotView] }) slots: SlotView[];
  @ApiPropertyOptional({ type: [WindowView], description: "The day's published windows after merging" })
  windows?: WindowView[];
}
