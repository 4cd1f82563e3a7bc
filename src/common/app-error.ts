/** Every error the API answers with: a stable code, its HTTP status and a title. */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, title: 'Validation failed' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthenticated' },
  TOKEN_INVALID: { status: 401, title: 'Token invalid' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  PROVIDER_NOT_FOUND: { status: 404, title: 'Provider not found' },
  CLIENT_NOT_FOUND: { status: 404, title: 'Client not found' },
  APPOINTMENT_NOT_FOUND: { status: 404, title: 'Appointment not found' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  SLOT_UNAVAILABLE: { status: 409, title: 'Slot unavailable' },
  EMAIL_TAKEN: { status: 409, title: 'Email taken' },
  ALREADY_CONFIRMED: { status: 409, title: 'Already confirmed' },
  HOLD_CANCELLED: { status: 409, title: 'Hold cancelled' },
  CHECK_IN_REFUSED: { status: 409, title: 'Check-in refused' },
  QUEUE_EMPTY: { status: 409, title: 'Queue empty' },
  ENTRY_CLOSED: { status: 409, title: 'Queue entry closed' },
  NOT_RETRYABLE: { status: 409, title: 'Not retryable' },
  LIMIT_REACHED: { status: 409, title: 'Limit reached' },
  NOT_RESCHEDULABLE: { status: 409, title: 'Not reschedulable' },
  LINK_SUPERSEDED: { status: 409, title: 'Link superseded' },
  QUEUE_FULL: { status: 409, title: 'Queue full' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, title: 'Idempotency key in use' },
  HOLD_EXPIRED: { status: 410, title: 'Hold expired' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  TOO_SOON: { status: 422, title: 'Too soon' },
  TOO_FAR_AHEAD: { status: 422, title: 'Too far ahead' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused' },
  RATE_LIMITED: { status: 429, title: 'Rate limited' },
  INTERNAL: { status: 500, title: 'Internal error' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  field: string;
  message: string;
}

/** Most field errors one problem lists. */
export const MAX_LISTED_ERRORS = 20;
/** Longest field name or message, in characters, a problem repeats. */
const MAX_ECHOED_CHARACTERS = 200;

function shorten(text: string): string {
  const characters = Array.from(text);
  return characters.length > MAX_ECHOED_CHARACTERS ? `${characters.slice(0, MAX_ECHOED_CHARACTERS).join('')}…` : text;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
  }

  /**
   * One problem for every invalid field, but never many times the size of the request: a body of
   * thousands of unknown keys, or one key of 60 KB, would otherwise be echoed back in `errors` and
   * again in `detail`.
   */
  static validation(errors: FieldError[]): AppError {
    const listed = errors.slice(0, MAX_LISTED_ERRORS).map(({ field, message }) => ({ field: shorten(field), message: shorten(message) }));
    const unlisted = errors.length - listed.length;
    const more = unlisted > 0 ? [`… and ${unlisted.toLocaleString('en-US')} more`] : [];
    const detail = [...listed.map((e) => `${e.field}: ${e.message}`), ...more].join('; ');
    return new AppError('VALIDATION_FAILED', detail || 'The request is invalid', { errors: listed });
  }

  static field(field: string, message: string): AppError {
    return AppError.validation([{ field, message }]);
  }
}
