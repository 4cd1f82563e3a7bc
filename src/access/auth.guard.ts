import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error';
import { AuthenticatedRequest, PUBLIC_ROUTE, QUERY_TOKEN_ROUTE } from './access.decorators';
import { AuthService } from './auth.service';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Every route needs a bearer key unless it is marked @Public(). The caller goes on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const key = this.keyOf(request, this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN_ROUTE, targets));
    if (!key) throw new AppError('UNAUTHENTICATED', 'Send an API key: Authorization: Bearer <key>');
    const caller = await this.auth.authenticate(key);
    if (!caller) throw new AppError('UNAUTHENTICATED', 'This API key is not valid');
    request.caller = caller;
    return true;
  }

  private keyOf(request: FastifyRequest, acceptsQueryToken: boolean): string | undefined {
    const header = request.headers.authorization;
    if (header) return BEARER.exec(header)?.[1];
    if (!acceptsQueryToken) return undefined;
    const token = (request.query as Record<string, unknown> | undefined)?.access_token;
    return typeof token === 'string' ? token : undefined;
  }
}
