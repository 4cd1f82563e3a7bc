import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { MAX_ID, QueryInteger } from './validators';

export class PageQuery {
  @ApiPropertyOptional({ description: 'Items per page (1 to 100)', default: 20, example: 20 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page', example: 'MjA' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,16}$/, { message: 'cursor must be a next_cursor from a previous page' })
  cursor?: string;
}

/** Cursors are opaque to clients; inside they are the last id seen. */
export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const id = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  // Past the largest id there is nothing; clamp so the database never sees an out-of-range integer.
  return Number.isSafeInteger(id) && id >= 0 ? Math.min(id, MAX_ID) : 0;
}

export function encodeCursor(lastId: number): string {
  return Buffer.from(String(lastId), 'utf8').toString('base64url');
}
