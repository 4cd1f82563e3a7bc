import { Injectable, PipeTransform } from '@nestjs/common';
import { parseDate } from '../scheduling/slots';
import { AppError } from './app-error';

/** A calendar date in a path, `YYYY-MM-DD` of a day that exists (2027-02-30 does not); 400 naming `date` otherwise. */
@Injectable()
export class DateParamPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || parseDate(value) === null) throw AppError.field('date', 'date must be a real date as YYYY-MM-DD');
    return value;
  }
}
