import { Injectable } from '@nestjs/common';

/** The only source of "now", so tests can drive time forward. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }

  nowMs(): number {
    return this.now().getTime();
  }
}
