import { MailerModule } from '@nestjs-modules/mailer';
import { Global, Module } from '@nestjs/common';
import { Settings } from '../config/settings';
import { SETTINGS } from '../config/settings.module';
import { MailService } from './mail.service';
import { createSmtpTransport } from './smtp-transport';

@Global()
@Module({
  imports: [
    MailerModule.forRootAsync({
      // The mailer's typings import `@nestjs/common/interfaces`, which Nest 12's exports map no longer
      // resolves, so its options type reads `imports` as required.
      imports: [],
      inject: [SETTINGS],
      useFactory: (settings: Settings) => ({
        transport: settings.smtpUrl
          ? // Bounded waits: a mail server that does not answer becomes a 503, not a hung request.
            createSmtpTransport(settings.smtpUrl, settings.outboundTimeoutMs)
          : { streamTransport: true, buffer: true, newline: 'unix' },
        defaults: { from: settings.mailFrom },
      }),
    }),
  ],
  providers: [MailService],
  exports: [MailService],
})
export class MailModule {}
