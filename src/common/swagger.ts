import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_CODES, ErrorCode } from './app-error';

export class FieldErrorView {
  @ApiProperty({ example: 'start_time' }) field: string;
  @ApiProperty({ example: 'start_time must be HH:mm on a 15-minute boundary (00:00 to 24:00)' }) message: string;
}

export class ProblemView {
  @ApiProperty({ example: 'https://scheduler.example/problems/validation-failed' }) type: string;
  @ApiProperty({ example: 'Validation failed' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty({ example: 'start_time: start_time must be HH:mm on a 15-minute boundary (00:00 to 24:00)' }) detail: string;
  @ApiProperty({ example: 'VALIDATION_FAILED', enum: Object.keys(ERROR_CODES) }) code: string;
  @ApiPropertyOptional({ type: [FieldErrorView] }) errors?: FieldErrorView[];
}

/** The codes a route's problems list so far: ApiProblems may be applied more than once (see Idempotent). */
const PROBLEM_CODES = 'scheduler:problem-codes';
/** Where @nestjs/swagger keeps a handler's responses by status (its SWAGGER_RESPONSES, not exported). */
const SWAGGER_RESPONSES = 'swagger/apiResponse';

/**
 * Documents the problem+json answers a route can give, grouped by status. Applied again (a decorator
 * such as @Idempotent() adds the codes it brings), the groups are written anew from all the codes, so
 * two codes of one status never hide each other.
 */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator {
  return (target, key, descriptor) => {
    const handler = descriptor.value as object;
    const known = (Reflect.getMetadata(PROBLEM_CODES, handler) as ErrorCode[] | undefined) ?? [];
    const all = [...codes, ...known.filter((code) => !codes.includes(code))];
    Reflect.defineMetadata(PROBLEM_CODES, all, handler);
    // @nestjs/swagger merges a status given twice by joining descriptions: the groups written before are dropped first.
    const written = (Reflect.getMetadata(SWAGGER_RESPONSES, handler) as Record<string, unknown> | undefined) ?? {};
    const others = Object.fromEntries(
      Object.entries(written).filter(([status]) => !known.some((code) => String(ERROR_CODES[code].status) === status)),
    );
    Reflect.defineMetadata(SWAGGER_RESPONSES, others, handler);
    applyDecorators(...responsesOf(all))(target, key, descriptor);
  };
}

function responsesOf(codes: ErrorCode[]): MethodDecorator[] {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return [...byStatus].map(([status, group]) =>
    ApiResponse({
      status,
      description: group.join(', '),
      content: {
        'application/problem+json': {
          schema: { $ref: '#/components/schemas/ProblemView' },
          examples: Object.fromEntries(
            group.map((code) => [
              code,
              {
                value: {
                  type: `https://scheduler.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
                  title: ERROR_CODES[code].title,
                  status,
                  detail: '…',
                  code,
                },
              },
            ]),
          ),
        },
      },
    }),
  );
}
