import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { E164_PATTERN, IsName, IsOmittable, IsPlainEmail, MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from '../../common/validators';

export class CreateClientDto {
  @ApiProperty({ example: 'Grace Hopper', minLength: 1, maxLength: MAX_NAME_LENGTH, description: 'Characters (code points), at least one visible; no control, bidirectional-control or line-separator characters' })
  @IsName()
  name: string;

  @ApiProperty({ example: 'grace@example.com', maxLength: MAX_EMAIL_LENGTH, description: 'A plain local@domain: no quotes, spaces or display name' })
  @IsPlainEmail()
  email: string;

  @ApiPropertyOptional({ example: '+14155550199', description: 'E.164 (leave out for none; null is refused)' })
  @IsOmittable()
  @IsString()
  @Matches(E164_PATTERN, { message: 'phone must be in E.164 form, such as +14155550123' })
  phone?: string;
}

export class ClientView {
  @ApiProperty({ example: 7 }) id: number;
  @ApiProperty({ example: 'Grace Hopper' }) name: string;
  @ApiProperty({ example: 'grace@example.com' }) email: string;
  @ApiProperty({ example: '+14155550199', nullable: true, type: String }) phone: string | null;
  @ApiProperty({ example: '2026-07-28T08:00:00.000Z' }) created_at: string;
}

export class ClientWithKeyView extends ClientView {
  @ApiProperty({
    example: 'cli_Qm9vZ2x5LWJvb2dseS1ib28tYm9vZ2x5LWJvb2dseQ',
    description: 'The bearer key of this client. Shown this once; only its hash is stored.',
  })
  api_key: string;
}
