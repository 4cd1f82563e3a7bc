import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { httpConfig } from '../config/namespaces';
import { AuthenticatedRequest, SENDS_MESSAGES } from './access.decorators';
import { describeCaller } from './caller';
import { clientAddress } from './client-address';

export function sendsMessages(context: ExecutionContext): boolean {
  return Reflect.getMetadata(SENDS_MESSAGES, context.getHandler()) === true;
}

/**
 * One budget per key across all routes (per address when anonymous), and a separate, tighter one
 * for the routes that send mail or texts. Runs after the AuthGuard, so a key is always a real one.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const caller = (request as AuthenticatedRequest).caller;
    if (caller) return describeCaller(caller);
    const { ip, headers } = request as unknown as FastifyRequest;
    return `ip:${clientAddress(ip, headers['x-forwarded-for'], this.http.trustedProxyHops)}`;
  }

  protected override generateKey(context: ExecutionContext, tracker: string): string {
    return `${sendsMessages(context) ? 'messages' : 'requests'}:${tracker}`;
  }
}
