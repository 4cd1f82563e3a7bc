import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, ValidateBy } from 'class-validator';
import { IsId, IsOmittable } from '../../common/validators';
import { MAX_WEBHOOK_URL_LENGTH, webhookUrlFormProblem } from '../webhook-address';
import { WEBHOOK_EVENTS, WebhookEventType } from '../webhook-events';

export class CreateWebhookDto {
  /**
   * Where each event is POSTed: http or https, at most 2048 characters; loopback, private and link-local
   * addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true (a host name is checked by what it resolves to now, and again at each call)
   * @example 'https://hooks.clinic.example/scheduler'
   */
  @ApiProperty({ maxLength: MAX_WEBHOOK_URL_LENGTH, format: 'uri' })
  @IsString()
  @ValidateBy({
    name: 'isWebhookUrl',
    validator: {
      validate: (value) => typeof value === 'string' && webhookUrlFormProblem(value) === undefined,
      defaultMessage: (args) => (typeof args?.value === 'string' ? webhookUrlFormProblem(args.value) : undefined) ?? 'url must be a string',
    },
  })
  url: string;

  /**
   * The events to receive; a name listed twice counts once
   * @example ['appointment.confirmed', 'appointment.cancelled']
   */
  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, minItems: 1, maxItems: WEBHOOK_EVENTS.length * 2 })
  @IsArray({ message: 'events must be a list of event names' })
  @ArrayMinSize(1, { message: 'events must name at least one event' })
  @ArrayMaxSize(WEBHOOK_EVENTS.length * 2, { message: `events must list at most ${WEBHOOK_EVENTS.length * 2} names` })
  @IsIn(WEBHOOK_EVENTS, { each: true, message: `each of events must be one of ${WEBHOOK_EVENTS.join(', ')}` })
  events: WebhookEventType[];

  /**
   * Whose events: one provider's. The administrator may leave it out for every provider's; a provider's key must give its own id
   * @example 124
   */
  @ApiPropertyOptional()
  @IsOmittable()
  @IsId()
  provider_id?: number;
}

export class WebhookView {
  /** @example 7 */
  id: number;
  /** @example 'https://hooks.clinic.example/scheduler' */
  url: string;
  /** @example ['appointment.confirmed', 'appointment.cancelled'] */
  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true })
  events: WebhookEventType[];
  /**
   * Null: every provider's events
   * @example 124
   */
  provider_id: number | null;
  /**
   * False once the endpoint has failed every call for 3 days: only test pings are sent to it then, and one that succeeds makes it active again
   * @example true
   */
  active: boolean;
  /** @example '2026-07-28T08:00:00.000Z' */
  created_at: string;
  /**
   * The first failed call since the last success; null while calls succeed
   * @example '2026-07-28T09:15:00.000Z'
   */
  failing_since: string | null;
  /**
   * When it was set inactive; null while active
   * @example '2026-07-31T09:15:02.000Z'
   */
  deactivated_at: string | null;
}

export class CreatedWebhookView extends WebhookView {
  /**
   * The signing secret: `whsec_` + base64 of 32 random bytes. Shown this once; keep it to verify each call's `webhook-signature`
   * @example 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwJ6Hc1d8Bs3A='
   */
  secret: string;
}

export class WebhookPage {
  items: WebhookView[];
  /**
   * Pass it as `cursor` for the next (older) page; null on the last page
   * @example 'Nw'
   */
  next_cursor: string | null;
}
