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

/** Documents the problem+json answers a route can give, grouped by status. */
export function ApiProblems(...codes: ErrorCode[]): MethodDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, group]) =>
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
    ),
  );
}
