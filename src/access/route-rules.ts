import { ExecutionContext, Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  MESSAGE_RECIPIENT,
  METRICS_TOKEN_ROUTE,
  NOT_RATE_LIMITED,
  OPTIONAL_AUTH_ROUTE,
  PUBLIC_ROUTE,
  QUERY_TOKEN_ROUTE,
  RecipientOf,
  SENDS_MESSAGES,
} from './access.decorators';

/** What the access decorators say of one route (its handler, or else its controller). */
export interface RouteRule {
  isPublic: boolean;
  /** Public without an Authorization header; a header present must carry a valid key. */
  optionalAuth: boolean;
  acceptsQueryToken: boolean;
  acceptsMetricsToken: boolean;
  sendsMessages: boolean;
  rateLimited: boolean;
  /** For anonymous requests: the address in the body whose own mail budget is charged too. */
  recipientOf: RecipientOf | undefined;
}

/**
 * The access rules of each route, read from its decorators once and kept: metadata does not change after
 * start-up, and the guards ask on every request.
 */
@Injectable()
export class RouteRules {
  private readonly rules = new WeakMap<Type, WeakMap<object, RouteRule>>();

  constructor(private readonly reflector: Reflector) {}

  of(context: ExecutionContext): RouteRule {
    const controller = context.getClass();
    const handler = context.getHandler();
    let ofController = this.rules.get(controller);
    if (ofController === undefined) {
      ofController = new WeakMap();
      this.rules.set(controller, ofController);
    }
    let rule = ofController.get(handler);
    if (rule === undefined) {
      rule = this.read(controller, handler);
      ofController.set(handler, rule);
    }
    return rule;
  }

  private read(controller: Type, handler: object): RouteRule {
    const says = (key: string) => this.reflector.getAllAndOverride<boolean | undefined>(key, [handler as () => void, controller]) === true;
    return {
      isPublic: says(PUBLIC_ROUTE),
      optionalAuth: says(OPTIONAL_AUTH_ROUTE),
      acceptsQueryToken: says(QUERY_TOKEN_ROUTE),
      acceptsMetricsToken: says(METRICS_TOKEN_ROUTE),
      sendsMessages: says(SENDS_MESSAGES),
      rateLimited: !says(NOT_RATE_LIMITED),
      recipientOf: this.reflector.getAllAndOverride<RecipientOf | undefined>(MESSAGE_RECIPIENT, [handler as () => void, controller]),
    };
  }
}
