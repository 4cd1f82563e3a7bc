import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedRequest, SENDS_MESSAGES } from './access.decorators';
import { describeCaller } from './caller';

export function sendsMessages(context: ExecutionContext): boolean {
  return Reflect.getMetadata(SENDS_MESSAGES, context.getHandler()) === true;
}

/**
 * One budget per key across all routes (per address when anonymous), and a separate, tighter one
 * for the routes that send mail or texts. Runs after the AuthGuard, so a key is always a real one.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const caller = (request as AuthenticatedRequest).caller;
    if (caller) return describeCaller(caller);
    // The client's address, or behind trusted proxies the one the nearest saw (see createHttpAdapter).
    return `ip:${(request as unknown as FastifyRequest).ip}`;
  }

  protected override generateKey(context: ExecutionContext, tracker: string): string {
    return `${sendsMessages(context) ? 'messages' : 'requests'}:${tracker}`;
  }
}
