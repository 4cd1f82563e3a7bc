import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Caller } from './caller';

export const PUBLIC_ROUTE = 'access:public';
export const QUERY_TOKEN_ROUTE = 'access:query-token';
export const SENDS_MESSAGES = 'access:sends-messages';
export const METRICS_TOKEN_ROUTE = 'access:metrics-token';
export const NOT_RATE_LIMITED = 'access:not-rate-limited';

/** Open to all: no API key needed. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** An event stream: a browser's EventSource cannot send headers, so `?access_token=` is accepted too. */
export const AcceptsQueryToken = () => SetMetadata(QUERY_TOKEN_ROUTE, true);

/** `GET /api/metrics`: a bearer METRICS_TOKEN (a scraper's, which is no API key) is accepted too. */
export const AcceptsMetricsToken = () => SetMetadata(METRICS_TOKEN_ROUTE, true);

/** The route sends mail or text messages: it gets a tenth of the rate limit. */
export const SendsMessages = () => SetMetadata(SENDS_MESSAGES, true);

/** Not counted against any rate limit (the health routes, which a load balancer probes from one address). */
export const NotRateLimited = () => SetMetadata(NOT_RATE_LIMITED, true);

export interface AuthenticatedRequest {
  caller?: Caller;
  /** The bearer was METRICS_TOKEN, on a route that accepts it; there is no caller then. */
  viaMetricsToken?: true;
}

/** The authenticated caller, put on the request by the AuthGuard. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a public route');
  return caller;
});
