import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { E164_PATTERN, IsName, IsOmittable, IsPlainEmail, MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from '../../common/validators';

export class CreateClientDto {
  /**
   * Characters (code points), at least one visible; no control, bidirectional-control or line-separator characters
   * @example 'Grace Hopper'
   */
  @ApiProperty({ minLength: 1, maxLength: MAX_NAME_LENGTH })
  @IsName()
  name: string;

  /**
   * A plain local@domain: no quotes, spaces or display name
   * @example 'grace@example.com'
   */
  @ApiProperty({ maxLength: MAX_EMAIL_LENGTH })
  @IsPlainEmail()
  email: string;

  /**
   * E.164 (leave out for none; null is refused)
   * @example '+14155550199'
   */
  @IsOmittable()
  @IsString()
  @Matches(E164_PATTERN, { message: 'phone must be in E.164 form, such as +14155550123' })
  phone?: string;
}

export class ClientView {
  /** @example 7 */
  id: number;
  /** @example 'Grace Hopper' */
  name: string;
  /** @example 'grace@example.com' */
  email: string;
  /** @example '+14155550199' */
  phone: string | null;
  /** @example '2026-07-28T08:00:00.000Z' */
  created_at: string;
}

export class ClientWithKeyView extends ClientView {
  /**
   * The bearer key of this client. Shown this once; only its hash is stored.
   * @example 'cli_Qm9vZ2x5LWJvb2dseS1ib28tYm9vZ2x5LWJvb2dseQ'
   */
  api_key: string;
}
