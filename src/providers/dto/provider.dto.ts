import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
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
