import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dateLabel, noticePage, PageError } from '../appointments/guest-pages';
import { RenderedPage } from '../appointments/html-pages';
import { AppError } from '../common/app-error';
import { localDateTime } from '../scheduling/slots';
import { QueueEntryView } from './dto/queue.dto';
import { JoinLinkState } from './queue-join.service';

// Its own Handlebars, with the guest pages' head, so that the join pages look like the booking pages.
// Every {{value}} is escaped: nothing a person typed can become markup.
const pages = Handlebars.create();
pages.registerPartial('guestHead', readFileSync(join(__dirname, '..', 'appointments', 'templates', 'guest-head.hbs'), 'utf8'));
const load = (name: string) => pages.compile(readFileSync(join(__dirname, 'templates', name), 'utf8'));
const joinTemplate = load('join-page.hbs');
const linkTemplate = load('join-link-page.hbs');

export interface JoinPageFacts {
  providerId: number;
  providerName: string;
  form?: { name?: string; phone?: string; email?: string };
  error?: PageError;
}

/** The page to join a provider's walk-in queue of today. */
export function joinPage(facts: JoinPageFacts, status = 200): RenderedPage {
  return { status, html: joinTemplate({ title: `Join the queue of ${facts.providerName}`, form: {}, ...facts }) };
}

/** Where an entry stands, in words: the live page's script says the same as each event arrives. */
export function entryHeadline(
  entry: Pick<QueueEntryView, 'status' | 'position' | 'expected_wait_minutes' | 'expected_wait_range_minutes'>,
): {
  headline: string;
  detail: string;
} {
  const minutes = (n: number) => (n === 1 ? '1 minute' : `${n} minutes`);
  if (entry.status === 'waiting' && entry.position !== null) {
    const range = entry.expected_wait_range_minutes;
    return {
      headline: entry.position === 1 ? '#1 You are next in line' : `#${entry.position} in line: ${entry.position - 1} ahead of you`,
      detail: `Expected wait: about ${minutes(entry.expected_wait_minutes ?? 0)}${range ? ` (${range[0]} to ${range[1]} minutes)` : ''}.`,
    };
  }
  if (entry.status === 'called') return { headline: "It's your turn!", detail: 'Please come in now.' };
  return { headline: 'Your visit in this queue is over.', detail: '' };
}

/** The join link's page: its button until pressed, then the entry, followed live. */
export function joinLinkPage(state: JoinLinkState, token: string): RenderedPage {
  const { claims, provider } = state;
  const facts = { providerName: provider.name, name: claims.name, dateLabel: dateLabel(claims.date) };
  if (!state.joined) {
    return {
      status: 200,
      html: linkTemplate({ title: 'Join the queue', ...facts, token, expiresAt: localDateTime(claims.expiresAtMs, provider.timeZone) }),
    };
  }
  return {
    status: 200,
    html: linkTemplate({
      title: 'Your place in the queue',
      ...facts,
      entry: state.entry,
      ...entryHeadline(state.entry),
      eventsUrl: `/api/queue/join/events?token=${encodeURIComponent(token)}`,
    }),
  };
}

/** "Check your phone" (or email) after a join was asked for. */
export function linkSentPage(providerName: string, sentTo: string, until: string): RenderedPage {
  return noticePage(
    {
      title: 'Check your messages',
      paragraphs: [
        `We are sending a link to ${sentTo}. Open it and press its button to join the queue of ${providerName}: your place counts from then.`,
        `The link works until ${until}.`,
      ],
    },
    202,
  );
}

const TITLES: Partial<Record<string, string>> = {
  TOKEN_INVALID: 'Invalid link',
  HOLD_EXPIRED: 'Link expired',
  QUEUE_FULL: 'The queue is full',
  PROVIDER_NOT_FOUND: 'Not found',
  VALIDATION_FAILED: 'Please check the address',
};

/** A 4xx answered to a person following a join link or posting its button. */
export function joinErrorPage(error: AppError): RenderedPage {
  return noticePage({ title: TITLES[error.code] ?? 'Something went wrong', paragraphs: [error.detail] }, error.status);
}
