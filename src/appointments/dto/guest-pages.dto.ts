import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  E164_PATTERN,
  IsCalendarDate,
  IsId,
  IsName,
  IsOmittable,
  IsPlainEmail,
  IsReason,
  MAX_REASON_LENGTH,
} from '../../common/validators';
import { SLOTS_PER_DAY } from '../../scheduling/slots';

/**
 * A reason as the manage page's text box sends it: the line breaks a browser sends as CRLF count as one
 * character each (so the box's 500 fit the API's 500), and a blank box is no reason. Anything else is
 * left to the reason's rules, the same as on POST /api/appointments/{id}/cancel.
 */
export function formReason(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.replace(/\r\n/g, '\n');
  return text.trim() === '' ? undefined : text;
}

/** A field of an HTML form arrives as text: only its plain decimal form is read as a number. */
const DECIMAL_TEXT = /^(0|[1-9]\d{0,15})$/;

/** A form field's text as the integer it spells, when it spells one plainly; anything else as it came. */
export function formInteger(value: unknown): unknown {
  return typeof value === 'string' && DECIMAL_TEXT.test(value) ? Number(value) : value;
}

/**
 * An integer field of a body that may be a form. The form parser (common/request-body.ts) makes
 * objects without a prototype, JSON.parse makes plain ones: only a form's text is converted, so a
 * JSON body must still send a number, as everywhere else in the API.
 */
function FormInteger(): PropertyDecorator {
  return Transform(({ value, obj }: { value: unknown; obj: object }) => (Object.getPrototypeOf(obj) === null ? formInteger(value) : value));
}

/** The booking page's form (`application/x-www-form-urlencoded`): a guest booking of one slot. */
export class BookingFormDto {
  /** @example 124 */
  @IsId()
  provider_id: number;

  /** @example '2026-07-28' */
  @IsCalendarDate()
  date: string;

  /**
   * Slot index on that date: 14:30 is 58
   * @example 58
   */
  @IsInt()
  @Min(0)
  @Max(SLOTS_PER_DAY - 1)
  requested_slot: number;

  /** @example 'Grace Hopper' */
  @IsName()
  name: string;

  /** @example 'grace@example.com' */
  @IsPlainEmail()
  email: string;

  /**
   * E.164; left empty for none
   * @example '+14155550199'
   */
  @IsOmittable()
  @IsString()
  @Matches(E164_PATTERN, { message: 'phone must be in E.164 form, such as +14155550123' })
  phone?: string;
}

export class ManageTokenDto {
  /**
   * The token of the manage link
   * @example 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…'
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  token: string;
}

export class ManageCancelDto extends ManageTokenDto {
  /**
   * Why, up to 500 characters (kept as the cancellation reason; empty: none)
   * @example 'Feeling better'
   */
  @ApiPropertyOptional({ minLength: 1, maxLength: MAX_REASON_LENGTH })
  @Transform(({ value }: { value: unknown }) => formReason(value))
  @IsOmittable()
  @IsReason()
  reason?: string;
}

export class ManageRescheduleDto extends ManageTokenDto {
  /** @example '2026-07-29' */
  @IsCalendarDate()
  date: string;

  /**
   * Slot index on that date where the appointment is to start: 14:30 is 58
   * @example 58
   */
  @FormInteger()
  @IsInt()
  @Min(0)
  @Max(SLOTS_PER_DAY - 1)
  requested_slot: number;
}
