import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { Clock } from '../common/clock';
import { Settings } from '../config/settings';
import { SETTINGS } from '../config/settings.module';
import { OutboxSmsSender } from './outbox-sms-sender';
import { SmsSender } from './sms-sender';
import { SmsService } from './sms.service';
import { parseTwilioUrl, TwilioSmsSender } from './twilio-sms-sender';

/** Twilio when SMS_URL is set, else the outbox folder and the log. */
export function createSmsSender(settings: Settings, clock: Clock): SmsSender {
  return settings.smsUrl
    ? new TwilioSmsSender(parseTwilioUrl(settings.smsUrl), settings.smsApiUrl, settings.outboundTimeoutMs)
    : new OutboxSmsSender(join(settings.dataDir, 'outbox'), clock);
}

/** Text messages, sent in the background. */
@Module({
  providers: [
    { provide: SmsSender, inject: [SETTINGS, Clock], useFactory: createSmsSender },
    SmsService,
  ],
  exports: [SmsService],
})
export class SmsModule {}
