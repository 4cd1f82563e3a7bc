import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DateTime } from 'luxon';
import { concatMap, filter, map, merge, Observable, takeUntil, takeWhile, timer } from 'rxjs';
import { actsForProvider, Caller } from '../../access/caller';
import { generateApiKey, hashApiKey, secretsEqual } from '../../access/api-keys';
import { AppError } from '../../common/app-error';
import { Clock } from '../../common/clock';
import { httpConfig, queueConfig } from '../../config/namespaces';
import { ProviderEntity } from '../../providers/entities/provider.entity';
import { ProvidersService } from '../../providers/providers.service';
import { BoardLinkView, BoardQuery, BoardView } from '../dto/board.dto';
import { QueueView } from '../dto/queue.dto';
import { ServerSentEvent } from '../event-stream';
import { queueView } from '../queue-view';
import { QueueRepository } from '../queue.repository';
import { QueueService } from '../queue.service';
import { boardPage } from './board-page';
import { QueueBoardRepository } from './queue-board.repository';
import type { RenderedPage } from '../../appointments/html-pages';

/** Board keys say what they are, as API keys do; 256 random bits follow. */
export const BOARD_KEY_PREFIX = 'brd_';
/** How many tickets after the one being served a board shows. */
export const BOARD_NEXT = 5;

/** The board of a queue: the ticket being served and the next ones with their waits, nothing personal. */
export function boardOf(queue: QueueView): BoardView {
  const waiting = queue.entries.filter((entry) => entry.status === 'waiting');
  return {
    provider_id: queue.provider_id,
    date: queue.date,
    now_serving: queue.now_serving?.ticket ?? null,
    next: waiting.slice(0, BOARD_NEXT).map((entry) => ({
      ticket: entry.ticket,
      expected_wait_minutes: entry.expected_wait_minutes ?? 0,
      expected_wait_range_minutes: entry.expected_wait_range_minutes ?? [0, 0],
    })),
    waiting: waiting.length,
    revision: queue.revision,
  };
}

function boardRefused(): AppError {
  return new AppError('UNAUTHENTICATED', 'This board link is not valid: it is mistyped, or a newer link replaced it');
}

/**
 * Display boards for waiting rooms: a link with a key of its own (stored only hashed, one per provider,
 * a new one revoking the old), a page that shows today's queue by ticket, and its live stream. The
 * board follows the same queue events as the other streams.
 */
@Injectable()
export class QueueBoards {
  constructor(
    private readonly boards: QueueBoardRepository,
    private readonly queue: QueueRepository,
    private readonly queues: QueueService,
    private readonly providers: ProvidersService,
    private readonly clock: Clock,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
    @Inject(queueConfig.KEY) private readonly config: ConfigType<typeof queueConfig>,
  ) {}

  /** A new board link for the provider (the administrator or the provider itself); the old link stops working. */
  async issue(providerId: number, caller: Caller): Promise<BoardLinkView> {
    if (!actsForProvider(caller, providerId)) throw new AppError('PROVIDER_NOT_FOUND', `Provider ${providerId} does not exist`);
    await this.providers.get(providerId);
    const key = generateApiKey(BOARD_KEY_PREFIX);
    await this.boards.replace(providerId, hashApiKey(key), this.clock.nowMs());
    const query = new URLSearchParams({ provider_id: String(providerId), key });
    return { board_url: `${this.http.publicUrl}/api/queue/board?${query.toString()}` };
  }

  /** The board page of today's queue, rendered as it stands; its script follows the stream. */
  async page(query: BoardQuery): Promise<RenderedPage> {
    const provider = await this.authorize(query);
    const date = this.queues.today(provider);
    const board = boardOf(queueView(provider.id, date, await this.queue.state(provider.id, date), this.clock.nowMs()));
    const events = `/api/queue/board/events?${new URLSearchParams({ provider_id: String(provider.id), key: query.key }).toString()}`;
    return { status: 200, html: boardPage(board, events) };
  }

  /**
   * `board` events of today's queue: the whole board on connect, then whenever it changes. The stream
   * ends at the provider's midnight (the browser reconnects to the new day's board), and once its key
   * is revoked: at the next change, or at the next check (every `QUEUE_BOARD_RECHECK_SECONDS`), whichever is first.
   */
  async follow(query: BoardQuery): Promise<Observable<ServerSentEvent>> {
    const provider = await this.authorize(query);
    const now = this.clock.nowMs();
    const date = this.queues.today(provider);
    const midnight = DateTime.fromMillis(now, { zone: provider.timeZone }).plus({ days: 1 }).startOf('day').toMillis();
    // The key is in the database, so a revocation made through any process is seen. A check that cannot
    // read it keeps the stream (the database is down, not the key revoked); the next one decides.
    const revoked = timer(this.config.boardRecheckMs, this.config.boardRecheckMs).pipe(
      concatMap(() => this.isCurrent(provider.id, query.key).catch(() => true)),
      filter((current) => !current),
    );
    return this.queues.followDay(provider.id, date, 'board', boardOf).pipe(
      concatMap(async (event) => ({ event, valid: await this.isCurrent(provider.id, query.key) })),
      takeWhile((checked) => checked.valid),
      map((checked) => checked.event),
      takeUntil(merge(timer(Math.max(0, midnight - now)), revoked)),
    );
  }

  /** The provider whose current board key this is; 401 for any other key, or a provider without a board. */
  private async authorize(query: BoardQuery): Promise<ProviderEntity> {
    if (!(await this.isCurrent(query.provider_id, query.key))) throw boardRefused();
    return this.providers.get(query.provider_id);
  }

  private async isCurrent(providerId: number, key: string): Promise<boolean> {
    const stored = await this.boards.keyHashOf(providerId);
    return stored !== null && secretsEqual(hashApiKey(key), stored);
  }
}
