import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiProblems } from '../common/swagger';

export const IDEMPOTENT_ROUTE = 'idempotency:route';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * The route takes an `Idempotency-Key` header: a repeat of the same request by the same caller within
 * 24 hours gets the first answer again and does nothing twice (see IdempotencyInterceptor). Adds
 * IDEMPOTENCY_KEY_IN_USE and IDEMPOTENCY_KEY_REUSED to the route's documented problems.
 */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_ROUTE, true),
    ApiProblems('IDEMPOTENCY_KEY_IN_USE', 'IDEMPOTENCY_KEY_REUSED'),
    ApiHeader({
      name: IDEMPOTENCY_HEADER,
      required: false,
      description:
        '1 to 255 visible ASCII characters, unique per intended request (a UUID serves). The same caller repeating it ' +
        'with the same body within 24 hours gets the first answer again (its status and body, with ' +
        '`Idempotent-Replayed: true`) and nothing is done twice; with another body 422 IDEMPOTENCY_KEY_REUSED; while ' +
        'the first is still running 409 IDEMPOTENCY_KEY_IN_USE. A first request that failed with a 5xx is not kept, ' +
        'so a retry runs it again; 4xx answers are kept like successes.',
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        pattern: '^[\\x21-\\x7E]{1,255}$',
        example: '3f6c1b7e-8d1a-4c2e-9a57-0f4b2d9e6a11',
      },
    }),
  );
