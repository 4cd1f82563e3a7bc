import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, Max, Min, ValidateBy, ValidationOptions } from 'class-validator';
import { isOnSlotGrid, isValidTimeZone, parseDate, parseWallTime } from '../scheduling/slots';

export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;
export const MAX_ID = 2_147_483_647;

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

export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIanaTimeZone',
      validator: {
        validate: (value) => typeof value === 'string' && value.length <= 64 && isValidTimeZone(value),
        defaultMessage: (args) => `${args?.property} must be an IANA time zone such as Europe/Paris`,
      },
    },
    options,
  );
}

/** A positive integer id that fits the database's integer column. */
export function IsId(): PropertyDecorator {
  return applyDecorators(IsInt(), Min(1), Max(MAX_ID));
}

/** An id in a query string, where it arrives as text. */
export function IsQueryId(): PropertyDecorator {
  return applyDecorators(
    Type(() => Number),
    IsId(),
  );
}
