import { Controller, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { CountsRecipient, NotRateLimited, OptionalAuth, Public, SendsMessages } from './access.decorators';
import { recipientKey } from './rate-limit.guard';
import { RouteRules } from './route-rules';

@SendsMessages()
@Controller('notices')
class NoticesController {
  @Post()
  send(): void {}
}

@NotRateLimited()
@Public()
@Controller('probes')
class ProbesController {
  @Post()
  probe(): void {}
}

const emailOf = (body: unknown) => (body as { email?: unknown } | undefined)?.email;

@Controller('bookings')
class BookingsController {
  @OptionalAuth()
  @SendsMessages()
  @CountsRecipient(emailOf)
  @Post()
  book(): void {}
}

const contextOf = (controller: new () => object, handler: string) =>
  new ExecutionContextHost([], controller as never, (controller.prototype as Record<string, () => void>)[handler]);

describe(RouteRules.name, () => {
  const rules = new RouteRules(new Reflector());

  it('gives the tighter budget to every route of a controller marked @SendsMessages', () => {
    expect(rules.of(contextOf(NoticesController, 'send'))).toMatchObject({ sendsMessages: true, rateLimited: true, isPublic: false });
  });

  it('reads @Public and @NotRateLimited on the controller for each of its routes', () => {
    expect(rules.of(contextOf(ProbesController, 'probe'))).toMatchObject({ isPublic: true, rateLimited: false, sendsMessages: false });
  });

  it('reads @OptionalAuth and @CountsRecipient on a route', () => {
    expect(rules.of(contextOf(BookingsController, 'book'))).toMatchObject({ optionalAuth: true, isPublic: false, recipientOf: emailOf });
    expect(rules.of(contextOf(NoticesController, 'send'))).toMatchObject({ optionalAuth: false, recipientOf: undefined });
  });
});

describe('recipientKey', () => {
  it.each([
    [{ email: 'Grace@Example.COM' }, { email: ' grace@example.com ' }],
    [{ email: 'a@b.co' }, { email: 'A@B.CO' }],
  ])('counts %j and %j as one address', (first, second) => {
    expect(recipientKey(emailOf, first)).toBe(recipientKey(emailOf, second));
  });

  it('keeps no address in the key', () => {
    const key = recipientKey(emailOf, { email: 'grace@example.com' });
    expect(key).toMatch(/^messages:email:[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain('grace');
  });

  it.each([
    ['no body', undefined],
    ['no email', {}],
    ['a number', { email: 42 }],
    ['blanks', { email: '   ' }],
    ['an address over 254 characters', { email: `${'x'.repeat(250)}@b.co` }],
  ])('counts no address for %s', (_name, body) => {
    expect(recipientKey(emailOf, body)).toBeUndefined();
  });

  it('tells different addresses apart', () => {
    expect(recipientKey(emailOf, { email: 'a@b.co' })).not.toBe(recipientKey(emailOf, { email: 'b@b.co' }));
  });
});
