import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { E164_PATTERN, IsIanaTimeZone, IsName, IsOmittable, IsPlainEmail, MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from '../../common/validators';

export class CreateProviderDto {
  @ApiProperty({ example: 'Dr. Ada Lovelace', minLength: 1, maxLength: MAX_NAME_LENGTH, description: 'Characters (code points), at least one visible; no control, bidirectional-control or line-separator characters' })
  @IsName()
  name: string;

  @ApiProperty({ example: 'ada@clinic.example', maxLength: MAX_EMAIL_LENGTH, description: 'A plain local@domain: no quotes, spaces or display name' })
  @IsPlainEmail()
  email: string;

  @ApiPropertyOptional({ example: '+14155550123', description: 'E.164 (leave out for none; null is refused)' })
  @IsOmittable()
  @IsString()
  @Matches(E164_PATTERN, { message: 'phone must be in E.164 form, such as +14155550123' })
  phone?: string;

  @ApiPropertyOptional({ example: 'Europe/Paris', default: 'UTC', description: 'IANA time zone, stored under its current IANA name (leave out for UTC; null is refused)' })
  @IsOmittable()
  @IsString()
  @IsIanaTimeZone()
  time_zone?: string;
}

export class ProviderView {
  @ApiProperty({ example: 124 }) id: number;
  @ApiProperty({ example: 'Dr. Ada Lovelace' }) name: string;
  @ApiProperty({ example: 'ada@clinic.example' }) email: string;
  @ApiProperty({ example: '+14155550123', nullable: true, type: String }) phone: string | null;
  @ApiProperty({ example: 'Europe/Paris' }) time_zone: string;
  @ApiProperty({ example: '2026-07-28T08:00:00.000Z' }) created_at: string;
}

export class ProviderPage {
  @ApiProperty({ type: [ProviderView] }) items: ProviderView[];
  @ApiProperty({ example: 'MjA', nullable: true, type: String }) next_cursor: string | null;
}

export class ProviderWithKeyView extends ProviderView {
  @ApiProperty({
    example: 'prv_3q2-7wEtQnbFv6yGQk8yYb1JcHj0cX2mYV4a9xK1pZs',
    description: 'The bearer key of this provider. Shown this once; only its hash is stored.',
  })
  api_key: string;
}
