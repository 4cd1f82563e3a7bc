import { Controller, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { NotRateLimited, Public, SendsMessages } from './access.decorators';
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
});
