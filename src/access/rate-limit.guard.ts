import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { AppError } from '../common/app-error';
import { accessConfig } from '../config/namespaces';
import { AuthenticatedRequest, RecipientOf } from './access.decorators';
import { describeCaller } from './caller';
import { RateLimiter, Verdict } from './rate-limiter';
import { RouteRules } from './route-rules';

/** The budget of the routes that send mail or texts: a tenth of the rest, at least one. */
export function messageLimit(requestLimit: number): number {
  return Math.max(1, Math.floor(requestLimit / 10));
}

/** Longest address the API takes; anything longer is refused by validation and counted by network address only. */
const MAX_RECIPIENT_LENGTH = 254;

/**
 * The counter key of the address an anonymous body names: lower-cased, then hashed, so the rate
 * counters (in Redis, shared) hold no address. Undefined when the body names none.
 */
export function recipientKey(recipientOf: RecipientOf, body: unknown): string | undefined {
  const address = recipientOf(body);
  if (typeof address !== 'string') return undefined;
  const normalized = address.trim().toLowerCase();
  if (normalized.length === 0 || normalized.length > MAX_RECIPIENT_LENGTH) return undefined;
  return `messages:email:${createHash('sha256').update(normalized).digest('base64url')}`;
}

/**
 * One budget per key across all routes (per address when anonymous), and a separate, tighter one
 * for the routes that send mail or texts. An anonymous request to a mail route that names its recipient
 * (@CountsRecipient) is counted twice, by network address and by recipient address, and must pass both.
 * Runs after the AuthGuard, so a key is always a real one.
 * Answers carry x-ratelimit-limit, -remaining and -reset (seconds); past the limit, 429 RATE_LIMITED
 * with Retry-After.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly requestLimit: number;
  private readonly messageLimit: number;

  constructor(
    private readonly routes: RouteRules,
    private readonly limiter: RateLimiter,
    @Inject(accessConfig.KEY) config: ConfigType<typeof accessConfig>,
  ) {
    this.requestLimit = config.rateLimitPerMinute;
    this.messageLimit = messageLimit(config.rateLimitPerMinute);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rule = this.routes.of(context);
    if (!rule.rateLimited) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & AuthenticatedRequest>();
    const reply = http.getResponse<FastifyReply>();
    // The client's address, or behind trusted proxies the one the nearest saw (see createHttpAdapter).
    const tracker = request.caller ? describeCaller(request.caller) : `ip:${request.ip}`;
    const verdict = rule.sendsMessages
      ? this.limiter.hit(`messages:${tracker}`, this.messageLimit)
      : this.limiter.hit(`requests:${tracker}`, this.requestLimit);
    const recipient = !request.caller && rule.sendsMessages && rule.recipientOf ? recipientKey(rule.recipientOf, request.body) : undefined;
    if (recipient !== undefined) return this.alsoByRecipient(reply, verdict, recipient);
    return verdict instanceof Promise ? verdict.then((settled) => answer(reply, settled)) : answer(reply, verdict);
  }

  /** The recipient's budget is charged only once the network address's admits the request. */
  private async alsoByRecipient(reply: FastifyReply, byAddress: Verdict | Promise<Verdict>, recipient: string): Promise<true> {
    const first = await byAddress;
    if (!first.admitted) return answer(reply, first);
    const second = await this.limiter.hit(recipient, this.messageLimit);
    // The headers tell the budget that runs out first.
    return answer(reply, !second.admitted || second.remaining < first.remaining ? second : first);
  }
}

function answer(reply: FastifyReply, verdict: Verdict): true {
  if (!verdict.admitted) {
    reply.header('retry-after', String(verdict.resetSeconds));
    throw new AppError('RATE_LIMITED', 'Too many requests');
  }
  reply.header('x-ratelimit-limit', String(verdict.limit));
  reply.header('x-ratelimit-remaining', String(verdict.remaining));
  reply.header('x-ratelimit-reset', String(verdict.resetSeconds));
  return true;
}
