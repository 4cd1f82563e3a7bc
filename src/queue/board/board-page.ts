import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderedPage } from '../../appointments/html-pages';
import { AppError } from '../../common/app-error';
import { BoardView } from '../dto/board.dto';

// Its own Handlebars, which escapes every {{value}}; a board holds tickets and waits, nothing typed by anyone.
const pages = Handlebars.create();
const load = (name: string) => readFileSync(join(__dirname, 'templates', name), 'utf8');
const boardTemplate = pages.compile(load('board-page.hbs'));
const noticeTemplate = pages.compile(load('board-notice.hbs'));

/** "now", or "~12 min": what a board says of a wait (the script on the page says the same). */
export function waitLabel(minutes: number): string {
  return minutes <= 0 ? 'now' : `~${minutes} min`;
}

/** The board page as it stands, with the stream (`eventsUrl`) its script follows. */
export function boardPage(board: BoardView, eventsUrl: string): string {
  return boardTemplate({
    board,
    eventsUrl,
    next: board.next.map((turn) => ({ ticket: turn.ticket, wait: waitLabel(turn.expected_wait_minutes) })),
  });
}

/** A board link that does not work (wrong, or revoked): a notice a screen can show, with the error's status. */
export function boardNoticePage(error: AppError): RenderedPage {
  return { status: error.status, html: noticeTemplate({ detail: error.message }) };
}
