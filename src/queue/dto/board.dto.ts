import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength } from 'class-validator';
import { IsQueryId } from '../../common/validators';
import { StreamAccessQuery } from './queue.dto';

/** A board's page and stream: the provider and the board's own key (the credential; no API key). */
export class BoardQuery {
  /** @example 124 */
  @IsQueryId()
  provider_id: number;

  /**
   * The board's key, from its board_url
   * @example 'brd_Yk3q0Jt8mXb1vR7nW2pLc9sDf4hGz6aQe5uTi0oKyNM'
   */
  @IsDefined({ message: 'key is required: open the board_url as it was issued' })
  @IsString()
  @MaxLength(256)
  key: string;
}

/**
 * A board's stream takes `access_token` as every event stream does (an EventSource shared with the other
 * streams may add it); the board's key is its credential, so an API key there is not needed, and not read.
 */
export class BoardEventsQuery extends IntersectionType(BoardQuery, StreamAccessQuery) {}

export class BoardLinkView {
  /**
   * The page a waiting-room screen opens; its key is shown this once and stored only as a hash. Issuing a new link revokes this one.
   * @example 'https://scheduler.example/api/queue/board?provider_id=124&key=brd_Yk3q0Jt8mXb1vR7nW2pLc9sDf4hGz6aQe5uTi0oKyNM'
   */
  board_url: string;
}

/** One ticket waiting, as a board shows it: no name, email or phone. */
export class BoardTurnView {
  /** @example 'A-018' */
  ticket: string;
  /**
   * Minutes until this ticket is likely called
   * @example 12
   */
  expected_wait_minutes: number;
  /**
   * Minutes [low, high] that hold the real wait about 80 % of the time
   * @example [8, 19]
   */
  @ApiProperty({ type: [Number], minItems: 2, maxItems: 2, example: [8, 19] })
  expected_wait_range_minutes: [number, number];
}

/** What a display board shows: tickets and waits only. */
export class BoardView {
  /** @example 124 */
  provider_id: number;
  /** @example '2026-07-28' */
  date: string;
  /**
   * The ticket being served; null when nobody is
   * @example 'A-017'
   */
  now_serving: string | null;
  /** The next five tickets to be called, in order */
  @ApiProperty({ type: [BoardTurnView], example: [{ ticket: 'A-018', expected_wait_minutes: 12, expected_wait_range_minutes: [8, 19] }] })
  next: BoardTurnView[];
  /**
   * How many wait in all
   * @example 7
   */
  waiting: number;
  /**
   * The queue's revision; the id of the board's events
   * @example 17
   */
  revision: number;
}
