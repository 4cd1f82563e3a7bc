import { MailerModule } from '@nestjs-modules/mailer';
import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { mailConfig } from '../config/namespaces';
import { MailService } from './mail.service';
import { createSmtpTransport } from './smtp-transport';

@Module({
  imports: [
    MailerModule.forRootAsync({
      // The mailer's typings import `@nestjs/common/interfaces`, which Nest 12's exports map no longer
      // resolves, so its options type reads `imports` as required.
      imports: [],
      inject: [mailConfig.KEY],
      useFactory: (config: ConfigType<typeof mailConfig>) => ({
        transport: config.smtpUrl
          ? // Bounded waits: a mail server that does not answer becomes a 503, not a hung request.
            createSmtpTransport(config.smtpUrl, config.outboundTimeoutMs)
          : { streamTransport: true, buffer: true, newline: 'unix' },
        defaults: { from: config.from },
      }),
    }),
  ],
  providers: [MailService],
  exports: [MailService],
})
export class MailModule {}
