import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDivisibleBy, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  E164_PATTERN,
  IsIanaTimeZone,
  IsName,
  IsOmittable,
  IsPlainEmail,
  MAX_EMAIL_LENGTH,
  MAX_NAME_LENGTH,
} from '../../common/validators';

export class CreateProviderDto {
  /**
   * Characters (code points), at least one visible; no control, bidirectional-control or line-separator characters
   * @example 'Dr. Ada Lovelace'
   */
  @ApiProperty({ minLength: 1, maxLength: MAX_NAME_LENGTH })
  @IsName()
  name: string;

  /**
   * A plain local@domain: no quotes, spaces or display name
   * @example 'ada@clinic.example'
   */
  @ApiProperty({ maxLength: MAX_EMAIL_LENGTH })
  @IsPlainEmail()
  email: string;

  /**
   * E.164 (leave out for none; null is refused)
   * @example '+14155550123'
   */
  @IsOmittable()
  @IsString()
  @Matches(E164_PATTERN, { message: 'phone must be in E.164 form, such as +14155550123' })
  phone?: string;

  /**
   * IANA time zone, stored under its current IANA name (leave out for UTC; null is refused)
   * @example 'Europe/Paris'
   */
  @ApiPropertyOptional({ default: 'UTC' })
  @IsOmittable()
  @IsString()
  @IsIanaTimeZone()
  time_zone?: string;
}

/** Bounds of the booking rules (the contract's "Booking rules"). */
export const MAX_MINIMUM_NOTICE_MINUTES = 43_200;
export const MAX_BOOKING_HORIZON_DAYS = 730;
export const MAX_BUFFER_MINUTES = 120;
export const BUFFER_STEP_MINUTES = 15;
export const MAX_ACTIVE_PER_CLIENT = 1000;

/** Only the fields given change; the rest stay as they are. */
export class UpdateProviderDto {
  /**
   * Characters (code points), at least one visible; no control, bidirectional-control or line-separator characters
   * @example 'Dr. Ada Lovelace'
   */
  @ApiPropertyOptional({ minLength: 1, maxLength: MAX_NAME_LENGTH })
  @IsOmittable()
  @IsName()
  name?: string;

  /**
   * A plain local@domain, not another provider's
   * @example 'ada@clinic.example'
   */
  @ApiPropertyOptional({ maxLength: MAX_EMAIL_LENGTH })
  @IsOmittable()
  @IsPlainEmail()
  email?: string;

  /**
   * E.164; null removes the phone
   * @example '+14155550123'
   */
  @IsOptional()
  @IsString()
  @Matches(E164_PATTERN, { message: 'phone must be in E.164 form, such as +14155550123' })
  phone?: string | null;

  /**
   * A booking starts at least this many minutes after it is asked for (0 to 43200, 30 days)
   * @example 120
   */
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(MAX_MINIMUM_NOTICE_MINUTES)
  minimum_notice_minutes?: number;

  /**
   * Dates up to this many days after the provider's today can be booked (1 to 730)
   * @example 60
   */
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(MAX_BOOKING_HORIZON_DAYS)
  booking_horizon_days?: number;

  /**
   * Free minutes kept before and after every held or booked appointment (0 to 120, in steps of 15)
   * @example 15
   */
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(MAX_BUFFER_MINUTES)
  @IsDivisibleBy(BUFFER_STEP_MINUTES, { message: 'buffer_minutes must be a multiple of 15' })
  buffer_minutes?: number;

  /**
   * Upcoming pending and confirmed appointments one client may have with this provider (1 to 1000); null: no limit
   * @example 3
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ACTIVE_PER_CLIENT)
  max_active_per_client?: number | null;
}

export class ProviderView {
  /** @example 124 */
  id: number;
  /** @example 'Dr. Ada Lovelace' */
  name: string;
  /** @example 'ada@clinic.example' */
  email: string;
  /** @example '+14155550123' */
  phone: string | null;
  /** @example 'Europe/Paris' */
  time_zone: string;
  /** @example '2026-07-28T08:00:00.000Z' */
  created_at: string;
  /**
   * A booking starts at least this many minutes after it is asked for
   * @example 0
   */
  minimum_notice_minutes: number;
  /**
   * Dates up to this many days after the provider's today can be booked
   * @example 365
   */
  booking_horizon_days: number;
  /**
   * Free minutes kept before and after every held or booked appointment
   * @example 0
   */
  buffer_minutes: number;
  /**
   * Upcoming appointments one client may have with this provider; null (the default): no limit
   * @example 3
   */
  max_active_per_client: number | null;
}

export class ProviderPage {
  items: ProviderView[];
  /** @example 'MjA' */
  next_cursor: string | null;
}

export class ProviderWithKeyView extends ProviderView {
  /**
   * The bearer key of this provider. Shown this once; only its hash is stored.
   * @example 'prv_3q2-7wEtQnbFv6yGQk8yYb1JcHj0cX2mYV4a9xK1pZs'
   */
  api_key: string;
}
