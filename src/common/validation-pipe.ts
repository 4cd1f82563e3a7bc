import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from './app-error';

/** class-validator's errors as the problem's `errors`: one per field, nested fields as `client.email`. */
export function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property || 'body';
    const constraints = error.constraints ?? {};
    const isUnknownField = 'whitelistValidation' in constraints;
    // A missing or null field breaks every rule of its type; one sentence says what is wrong.
    // A DTO may say how to supply a missing field with `@IsDefined({ message })`.
    if (!isUnknownField && Object.keys(constraints).length > 0 && (error.value === undefined || error.value === null)) {
      const missing = constraints.isDefined ?? `${field} is required`;
      return [{ field, message: error.value === undefined ? missing : `${field} must not be null` }];
    }
    const own = Object.values(constraints).map((message) => ({
      field,
      message: isUnknownField ? `${field} is not a known field` : message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Whitelisting, refusing unknown fields, and one problem+json for every invalid field.
 *
 * Primitive route and query parameters reach their own pipes as the text that was sent: Nest's
 * `transform: true` would otherwise turn `1e0`, `0x10` or ` 1` into the number 1 before
 * `IdParamPipe` could refuse it. DTO fields convert their text themselves, strictly.
 */
class StrictValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // The values stay inside the pipe (they tell a missing field from a wrong one); answers never carry them.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => AppError.validation(flatten(errors)),
  });
}
