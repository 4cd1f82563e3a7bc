import { Injectable, PipeTransform } from '@nestjs/common';
import { AppError } from './app-error';
import { parseIdText } from './validators';

/**
 * Path ids are positive integers that fit the database's integer column, written as plain digits
 * without a leading zero: `1e0`, `0x10`, `1.0`, ` 1` and `01` are refused, never read as another id.
 */
@Injectable()
export class IdParamPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    const id = typeof value === 'string' ? parseIdText(value) : null;
    if (id === null) throw AppError.field('id', 'id must be a positive integer written in plain digits');
    return id;
  }
}
