import { Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { DomainEvents } from './domain-events';

/**
 * Domain events (domain-events.ts). The raw emitter stays inside this module, so every emit goes
 * through the typed `DomainEvents`; `@OnDomainEvent` listeners anywhere in the app are found at bootstrap.
 */
@Module({
  imports: [EventEmitterModule.forRoot({ global: false })],
  providers: [DomainEvents],
  exports: [DomainEvents],
})
export class DomainEventsModule {}
