import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { accessConfig } from '../config/namespaces';
import { AppError } from '../common/app-error';
import { AuthenticatedRequest } from './access.decorators';
import { secretsEqual } from './api-keys';
import { AuthService } from './auth.service';
import { messageLimit } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter';
import { RouteRules } from './route-rules';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Every route needs a bearer key unless it is marked @Public() (or @OptionalAuth() and sent without an
 * Authorization header). The caller goes on the request.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly routes: RouteRules,
    private readonly auth: AuthService,
    private readonly limiter: RateLimiter,
    @Inject(accessConfig.KEY) private readonly config: ConfigType<typeof accessConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.routes.of(context);
    if (rule.isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    if (rule.optionalAuth && request.headers.authorization === undefined) return true;
    const key = this.keyOf(request, rule.acceptsQueryToken);
    if (!key) return this.refuse(context, 'Send an API key: Authorization: Bearer <key>');
    if (rule.acceptsMetricsToken && this.isMetricsToken(key)) {
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
    const refusals = await this.limiter.hit(`refused:ip:${request.ip}`, messageLimit(this.config.rateLimitPerMinute));
    if (!refusals.admitted) {
      context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(refusals.resetSeconds));
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
