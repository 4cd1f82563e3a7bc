import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock';
import { smsConfig } from '../config/namespaces';
import { OutboxSmsSender } from './outbox-sms-sender';
import { SmsSender } from './sms-sender';
import { TwilioSmsSender } from './twilio-sms-sender';

/** Twilio when SMS_URL is set, else the outbox folder and the log. */
export function createSmsSender(config: ConfigType<typeof smsConfig>, clock: Clock): SmsSender {
  return config.account
    ? new TwilioSmsSender(config.account, config.apiUrl, config.outboundTimeoutMs)
    : new OutboxSmsSender(config.outboxDir, clock);
}

/** The text-message transport; the outbox's workers send through it (and retry). */
@Module({
  providers: [{ provide: SmsSender, inject: [smsConfig.KEY, Clock], useFactory: createSmsSender }],
  exports: [SmsSender],
})
export class SmsModule {}
