import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentCaller, Public } from '../../access/access.decorators';
import { hashApiKey } from '../../access/api-keys';
import { Caller } from '../../access/caller';
import { renderPage, wantsHtml } from '../../appointments/html-pages';
import { IdParamPipe } from '../../common/id-param.pipe';
import { ApiProblems } from '../../common/swagger';
import { BoardEventsQuery, BoardLinkView, BoardQuery } from '../dto/board.dto';
import { EventStreams } from '../event-stream';
import { boardNoticePage } from './board-page';
import { QueueBoards } from './queue-boards.service';

const BOARD_EVENT_EXAMPLE =
  'retry: 3000\n\nevent: board\nid: 17\ndata: {"provider_id":124,"date":"2026-07-28","now_serving":"A-017","next":[{"ticket":"A-018","expected_wait_minutes":12,"expected_wait_range_minutes":[8,19]}],"waiting":1,"revision":17}\n\n';
const BOARD_PAGE_EXAMPLE =
  '<!doctype html><html lang="en"><head><title>Queue</title>…</head><body data-events="/api/queue/board/events?provider_id=124&amp;key=brd_…">' +
  '<section class="serving"><h1>Now serving</h1><output id="serving">A-017</output></section>' +
  '<ol id="next"><li><span class="ticket">A-018</span><span class="wait">~12 min</span></li></ol>…</body></html>';

/** A waiting-room screen: issued by the provider, opened with the board's own key. */
@ApiTags('queue')
@Controller()
export class QueueBoardController {
  constructor(
    private readonly boards: QueueBoards,
    private readonly streams: EventStreams,
  ) {}

  @Post('providers/:id/board')
  @HttpCode(201)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Issue a display-board link for a waiting room',
    description:
      'A link with a key of its own (256 random bits, stored only as a hash) that a waiting-room screen opens: the ' +
      'ticket being served and the next five tickets with their expected waits, updated live, and no name, email or ' +
      'phone. Issuing a new link revokes the old one at once (its page and stream answer 401). ' +
      'Who: the administrator or the provider itself.',
  })
  @ApiParam({ name: 'id', example: 124, description: 'A provider id' })
  @ApiResponse({ status: 201, type: BoardLinkView })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'PROVIDER_NOT_FOUND', 'UNAVAILABLE')
  issueBoardLink(@Param('id', IdParamPipe) providerId: number, @CurrentCaller() caller: Caller): Promise<BoardLinkView> {
    return this.boards.issue(providerId, caller);
  }

  @Get('queue/board')
  @Public()
  @ApiOperation({
    summary: "A provider's display board (an HTML page for a waiting-room screen)",
    description:
      'Who: anyone with the board link; its key is the credential, no API key needed. Today’s queue by ticket: the one ' +
      'being served and the next five with their expected waits, kept up to date without a reload by the page’s own ' +
      'EventSource on /api/queue/board/events. A key that is wrong or revoked: 401 UNAUTHENTICATED, as a short page for ' +
      'a browser and problem+json otherwise.',
  })
  @ApiProduces('text/html')
  @ApiResponse({
    status: 200,
    description: 'The board',
    content: { 'text/html': { schema: { type: 'string', example: BOARD_PAGE_EXAMPLE } } },
  })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'UNAVAILABLE')
  showQueueBoard(
    @Query() query: BoardQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return renderPage(
      reply,
      () => this.boards.page(query),
      (error) => {
        // A screen gets a notice it can show; an API client the problem.
        if (!wantsHtml(accept)) throw error;
        return boardNoticePage(error);
      },
    );
  }

  @Get('queue/board/events')
  @Public()
  @ApiOperation({
    summary: 'Follow a display board (server-sent events)',
    description:
      'A text/event-stream: an event `board` with the whole board (tickets and waits, nothing personal) on connect, then ' +
      'whenever it changes; changes made on any server process arrive. The stream ends at the provider’s midnight (an ' +
      'EventSource reconnects to the new day) and, once the link is revoked, at the next change or at its next check of the key (every QUEUE_BOARD_RECHECK_SECONDS, 10 by default). Who: anyone with the ' +
      'board link (its key is the credential). A key that is wrong or revoked: 401 UNAUTHENTICATED.',
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description: 'The event stream',
    content: { 'text/event-stream': { schema: { type: 'string', example: BOARD_EVENT_EXAMPLE } } },
  })
  @ApiProblems('VALIDATION_FAILED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'UNAVAILABLE')
  streamQueueBoard(@Query() query: BoardEventsQuery, @Res() reply: FastifyReply): Promise<void> {
    // Counted per link, not per provider: a revoked link's streams (open until the next change or check) hold no place of its successor's.
    return this.streams.serve(reply, `board:${query.provider_id}:${hashApiKey(query.key)}`, this.boards.follow(query));
  }
}
