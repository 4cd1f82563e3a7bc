import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Caller } from './caller';

export const PUBLIC_ROUTE = 'access:public';
export const QUERY_TOKEN_ROUTE = 'access:query-token';
export const SENDS_MESSAGES = 'access:sends-messages';
export const METRICS_TOKEN_ROUTE = 'access:metrics-token';
export const NOT_RATE_LIMITED = 'access:not-rate-limited';
export const OPTIONAL_AUTH_ROUTE = 'access:optional-auth';
export const MESSAGE_RECIPIENT = 'access:message-recipient';

/** Where an anonymous request's body names the address a message goes to (undefined: it names none). */
export type RecipientOf = (body: unknown) => unknown;

/** Open to all: no API key needed. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Open to all when the request has no Authorization header (the caller is then undefined); a header
 * that is there must carry a valid key, as on any other route: a wrong key is never read as none.
 */
export const OptionalAuth = () => SetMetadata(OPTIONAL_AUTH_ROUTE, true);

/**
 * An anonymous request to this route is also counted against the mail routes' budget of the address
 * its body names (lower-cased), so one inbox cannot be flooded from many network addresses.
 */
export const CountsRecipient = (recipientOf: RecipientOf) => SetMetadata(MESSAGE_RECIPIENT, recipientOf);

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

/** The caller on an @OptionalAuth() route: undefined when the request came without a key. */
export const OptionalCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller | undefined => context.switchToHttp().getRequest<AuthenticatedRequest>().caller,
);

/** The authenticated caller, put on the request by the AuthGuard. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a public route');
  return caller;
});
