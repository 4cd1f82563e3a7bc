import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsNotEmpty, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { formInteger } from '../../appointments/dto/guest-pages.dto';
import { E164_PATTERN, IsId, IsName, IsPlainEmail } from '../../common/validators';
import { StreamAccessQuery } from './queue.dto';

const ONE_OF_THEM = 'give a phone (E.164, such as +14155550123) or an email address: the join link is sent there';

/** An empty field (a form's blank box, or "" in JSON) counts as absent. */
const EmptyIsAbsent = () => Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value));

/**
 * An id field of a body that may be a form: only a form's text (the form parser makes objects without a
 * prototype) is read as a number, so a JSON body still sends a number, as everywhere else in the API.
 */
const FormId = () =>
  Transform(({ value, obj }: { value: unknown; obj: object }) => (Object.getPrototypeOf(obj) === null ? formInteger(value) : value));

/** `POST /api/queue/join`, as JSON or as the join page's form: one of phone and email. */
export class JoinQueueDto {
  /**
   * The provider whose walk-in queue of today to join
   * @example 124
   */
  @FormId()
  @IsId()
  provider_id: number;

  /**
   * Shown to the provider, and greeting you in the link's message
   * @example 'Grace Hopper'
   */
  @IsName()
  name: string;

  /**
   * E.164. The link goes here by text when given (then also the queue's "your turn" texts); empty counts as absent
   * @example '+14155550199'
   */
  @EmptyIsAbsent()
  @ValidateIf((dto: JoinQueueDto) => dto.phone !== undefined || dto.email === undefined)
  @IsDefined({ message: ONE_OF_THEM })
  @IsString()
  @Matches(E164_PATTERN, { message: 'phone must be in E.164 form, such as +14155550123' })
  phone?: string;

  /**
   * The link goes here by email when no phone is given; empty counts as absent
   * @example 'grace@example.com'
   */
  @EmptyIsAbsent()
  @ValidateIf((dto: JoinQueueDto) => dto.email !== undefined || dto.phone === undefined)
  @IsDefined({ message: ONE_OF_THEM })
  @IsPlainEmail()
  email?: string;
}

/** The token of a join link: what its page's button posts. */
export class JoinTokenDto {
  /**
   * The token of the join link
   * @example 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…'
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  token: string;
}

/** Every event stream takes `?access_token=`; this one's credential is the link's token, and a key changes nothing. */
export class JoinEventsQuery extends IntersectionType(JoinTokenDto, StreamAccessQuery) {}

export class JoinRequestedView {
  /** @example 'link_sent' */
  @ApiProperty({ enum: ['link_sent'] })
  status: 'link_sent';
  /** @example 124 */
  provider_id: number;
  /**
   * The queue's day (the provider's today)
   * @example '2026-07-28'
   */
  date: string;
  /**
   * Where the link went: by text to the phone when one was given, else by email
   * @example 'sms'
   */
  @ApiProperty({ enum: ['sms', 'email'] })
  sent_by: 'sms' | 'email';
  /**
   * Until when the link's button joins the queue; after it is pressed, the link shows the entry all day
   * @example '2026-07-28T09:30:00.000Z'
   */
  expires_at: string;
}
