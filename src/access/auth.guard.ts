import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { accessConfig } from '../config/namespaces';
import { AppError } from '../common/app-error';
import { AuthenticatedRequest, METRICS_TOKEN_ROUTE, PUBLIC_ROUTE, QUERY_TOKEN_ROUTE } from './access.decorators';
import { secretsEqual } from './api-keys';
import { AuthService } from './auth.service';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const MINUTE_MS = 60_000;

/** Every route needs a bearer key unless it is marked @Public(). The caller goes on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    @InjectThrottlerStorage() private readonly counters: ThrottlerStorage,
    @Inject(accessConfig.KEY) private readonly config: ConfigType<typeof accessConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const key = this.keyOf(request, this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN_ROUTE, targets));
    if (!key) return this.refuse(context, 'Send an API key: Authorization: Bearer <key>');
    if (this.reflector.getAllAndOverride<boolean>(METRICS_TOKEN_ROUTE, targets) && this.isMetricsToken(key)) {
      request.viaMetricsToken = true;
      return true;
    }
    const caller = await this.auth.authenticate(key);
    if (!caller) return this.refuse(context, 'This API key is not valid');
    request.caller = caller;
    return true;
  }

  /**
   * 401 — and, past a tenth of the rate limit of such refusals a minute from one address, 429: the
   * rate-limit guard only counts callers it knows, so guessing keys is counted here.
   */
  private async refuse(context: ExecutionContext, detail: string): Promise<never> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const limit = Math.max(1, Math.floor(this.config.rateLimitPerMinute / 10));
    const refusals = await this.counters.increment(`refused:ip:${request.ip}`, MINUTE_MS, limit, MINUTE_MS, 'default');
    if (refusals.isBlocked) {
      context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(refusals.timeToBlockExpire));
      throw new AppError('RATE_LIMITED', 'Too many requests without a valid API key; try again later');
    }
    throw new AppError('UNAUTHENTICATED', detail);
  }

  private isMetricsToken(key: string): boolean {
    const token = this.config.metricsToken;
    return token !== undefined && secretsEqual(key, token);
  }

  private keyOf(request: FastifyRequest, acceptsQueryToken: boolean): string | undefined {
    const header = request.headers.authorization;
    if (header) return BEARER.exec(header)?.[1];
    if (!acceptsQueryToken) return undefined;
    const token = (request.query as Record<string, unknown> | undefined)?.access_token;
    return typeof token === 'string' ? token : undefined;
  }
}
