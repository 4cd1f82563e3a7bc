import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import { ValidateBy, ValidateNested } from 'class-validator';

/**
 * What a list field holds when the body gave something else (an object, a string): an empty list that
 * remembers it was none, so that the field gets one error ("must be a list") instead of its value being
 * validated as if it were an item.
 */
class NotAList extends Array<never> {}

/** What a list over its cap becomes: an empty list that remembers it was too long, so no item is walked into. */
class OverLongList extends Array<never> {}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A list of at most `maxItems` bodies of type `item`, each validated as that DTO: errors name the item
 * and its field (`hours.2.end_time`). Hand-written because `@IsArray` + `@ValidateNested` + `@Type`
 * also validate a lone object as if it were an item, answering "hours.start_time is required" beside
 * "hours must be an array".
 */
export function IsListOf(item: new () => object, maxItems: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => {
      if (value === undefined || value === null) return value;
      if (!Array.isArray(value)) return new NotAList();
      // Refused for its length alone: validating 20,000 junk items would hold the event loop for a second.
      if (value.length > maxItems) return new OverLongList();
      // A list inside the list is refused as any other item that is not an object, not walked into.
      return value.map((entry: unknown) => (isPlainObject(entry) ? plainToInstance(item, entry) : Array.isArray(entry) ? 'a list' : entry));
    }),
    ValidateBy({
      name: 'isListOf',
      validator: {
        validate: (value) => Array.isArray(value) && !(value instanceof NotAList) && !(value instanceof OverLongList),
        defaultMessage: (args) =>
          args?.value instanceof NotAList ? `${args.property} must be a list` : `${args?.property} must hold at most ${maxItems} items`,
      },
    }),
    ValidateNested({ each: true }),
  );
}
