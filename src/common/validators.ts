import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, isEmail, Max, Min, ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';
import { canonicalTimeZone, isOnSlotGrid, parseDate, parseWallTime } from '../scheduling/slots';

export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;
export const MAX_ID = 2_147_483_647;
export const MAX_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_REASON_LENGTH = 500;

/** A positive id as text: plain digits, no sign, no leading zero, at most 10 of them. */
const ID_TEXT = /^[1-9]\d{0,9}$/;
/** An integer as text, written the one plain way (no `+`, exponent, hex, dot, space or leading zero). */
const INTEGER_TEXT = /^(0|-?[1-9]\d{0,15})$/;

/** An id as it arrives in a path or query string, or null when it is not one (`01`, `1e3`, `0x10`, ` 1`). */
export function parseIdText(text: string): number | null {
  if (!ID_TEXT.test(text)) return null;
  const id = Number(text);
  return id <= MAX_ID ? id : null;
}

/**
 * What an email field accepts: a plain `local@domain` — no quoted local part, no display name, no
 * comment, no IP literal, no space or control character — so the address can be neither read as
 * another one nor split into a header by the mail layer.
 */
export function isPlainEmailAddress(value: string): boolean {
  if (value.length > MAX_EMAIL_LENGTH) return false;
  // RFC 5322 specials and whitespace, which only quoted, commented or display-name forms need.
  if (/["(),:;<>[\\\]\s\p{Cc}\p{Cf}]/u.test(value)) return false;
  return isEmail(value, { allow_display_name: false, allow_ip_domain: false, require_tld: true });
}

/**
 * What a name field accepts: 1 to 200 characters (code points, so `😀` is one), at least one of them
 * visible (a letter, digit, punctuation or symbol that is not one of Unicode's invisible "default
 * ignorable" ones), and no control character or lone surrogate (NUL would be refused by PostgreSQL;
 * CR/LF belong in no header), no bidirectional control (U+202E would show `fdp.exe` as `exe.pdf` in a
 * mail client or calendar) and no line or paragraph separator.
 */
export function isName(value: string): boolean {
  // Past 400 UTF-16 units, more than 200 code points whatever they are.
  if (value.length < 1 || value.length > 2 * MAX_NAME_LENGTH || codePointCount(value) > MAX_NAME_LENGTH) return false;
  if (/[\p{Cc}\p{Cs}\p{Bidi_Control}\p{Zl}\p{Zp}]/u.test(value)) return false;
  // U+2800 (the blank Braille pattern) is a symbol that shows nothing.
  return /(?![\p{Default_Ignorable_Code_Point}\u2800])[\p{L}\p{N}\p{P}\p{S}]/u.test(value);
}

/**
 * What a reason (a cancellation's) accepts: 1 to 500 characters (code points), at least one visible,
 * as a name; unlike a name it may run over several lines (a form's text area sends CR LF) and hold tabs,
 * but no other control character, bidirectional control or lone surrogate.
 */
export function isReason(value: string): boolean {
  if (value.length < 1 || value.length > 2 * MAX_REASON_LENGTH || codePointCount(value) > MAX_REASON_LENGTH) return false;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\p{Cs}\p{Bidi_Control}\p{Zl}\p{Zp}]/u.test(value)) return false;
  return /(?![\p{Default_Ignorable_Code_Point}\u2800])[\p{L}\p{N}\p{P}\p{S}]/u.test(value);
}

function codePointCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** A real calendar day as `YYYY-MM-DD` (2026-02-30 is refused). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value) => typeof value === 'string' && parseDate(value) !== null,
        defaultMessage: (args) => `${args?.property} must be a real date as YYYY-MM-DD`,
      },
    },
    options,
  );
}

/** A wall-clock `HH:mm` on the 15-minute grid (`24:00` allowed). */
export function IsSlotTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSlotTime',
      validator: {
        validate: (value) => {
          if (typeof value !== 'string') return false;
          const minutes = parseWallTime(value);
          return minutes !== null && isOnSlotGrid(minutes);
        },
        defaultMessage: (args) => `${args?.property} must be HH:mm on a 15-minute boundary (00:00 to 24:00)`,
      },
    },
    options,
  );
}

/** An IANA time zone, taken in its canonical spelling (`europe/paris` becomes `Europe/Paris`). */
export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && value.length <= 64 ? (canonicalTimeZone(value) ?? value) : value,
    ),
    ValidateBy(
      {
        name: 'isIanaTimeZone',
        validator: {
          validate: (value) => typeof value === 'string' && value.length <= 64 && canonicalTimeZone(value) === value,
          defaultMessage: (args) => `${args?.property} must be an IANA time zone such as Europe/Paris`,
        },
      },
      options,
    ),
  );
}

export function IsPlainEmail(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPlainEmail',
      validator: {
        validate: (value) => typeof value === 'string' && isPlainEmailAddress(value),
        defaultMessage: (args) =>
          `${args?.property} must be a plain email address such as grace@example.com (no quotes, spaces or display name)`,
      },
    },
    options,
  );
}

export function IsName(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isName',
      validator: {
        validate: (value) => typeof value === 'string' && isName(value),
        defaultMessage: (args) =>
          `${args?.property} must be 1 to ${MAX_NAME_LENGTH} characters, with at least one visible character and no control characters`,
      },
    },
    options,
  );
}

export function IsReason(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isReason',
      validator: {
        validate: (value) => typeof value === 'string' && isReason(value),
        defaultMessage: (args) =>
          `${args?.property} must be 1 to ${MAX_REASON_LENGTH} characters, with at least one visible character and no control characters but line breaks and tabs`,
      },
    },
    options,
  );
}

/**
 * A field that may be left out; unlike `@IsOptional()`, `null` is not "left out" but a value, and
 * is refused by the field's own rules.
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** A positive integer id that fits the database's integer column. */
export function IsId(): PropertyDecorator {
  return applyDecorators(IsInt(), Min(1), Max(MAX_ID));
}

/**
 * An integer in a query string, where it arrives as text: only the plain decimal form becomes a
 * number; anything else (`1e3`, `0x10`, ` 1`, `1.0`) stays text and fails the integer rule.
 */
export function QueryInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value));
}

/** An id in a query string: plain digits without a leading zero, read as a number. */
export function IsQueryId(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (parseIdText(value) ?? value) : value)),
    IsId(),
  );
}
