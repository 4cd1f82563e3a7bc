import { Injectable, PipeTransform } from '@nestjs/common';
import { AppError } from './app-error';
import { MAX_ID } from './validators';

/** Path ids are positive integers that fit the database's integer column. */
@Injectable()
export class IdParamPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(id >= 1 && id <= MAX_ID)) throw AppError.field('id', 'id must be a positive integer');
    return id;
  }
}
