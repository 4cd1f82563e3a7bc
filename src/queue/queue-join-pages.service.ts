import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RenderedPage } from '../appointments/html-pages';
import { AppError } from '../common/app-error';
import { parseIdText } from '../common/validators';
import { ProvidersService } from '../providers/providers.service';
import { localDateTime } from '../scheduling/slots';
import { JoinRequestedView } from './dto/queue-join.dto';
import { EventStreams } from './event-stream';
import { joinLinkPage, joinPage, linkSentPage } from './queue-join-pages';
import { parseJoin, QueueJoinService } from './queue-join.service';

/** Longest text of a field shown back in the form after a refusal. */
const MAX_ECHOED_LENGTH = 254;

const textOf = (value: unknown) => (typeof value === 'string' ? value.slice(0, MAX_ECHOED_LENGTH) : undefined);

function providerIdOf(value: unknown): number {
  const providerId = typeof value === 'string' ? parseIdText(value) : value;
  if (typeof providerId !== 'number' || !Number.isSafeInteger(providerId) || providerId < 1) {
    throw AppError.field('provider_id', 'provider_id must be the number of a provider, such as 124');
  }
  return providerId;
}

/**
 * The remote join's pages, for people with only a phone's browser: the join form, and the link's page
 * (its button, then the entry followed live). A refused form is shown again, filled as it was sent.
 */
@Injectable()
export class QueueJoinPages {
  constructor(
    private readonly joins: QueueJoinService,
    private readonly providers: ProvidersService,
    private readonly streams: EventStreams,
  ) {}

  async show(query: Record<string, unknown>): Promise<RenderedPage> {
    const provider = await this.providers.get(providerIdOf(query.provider_id));
    return joinPage({ providerId: provider.id, providerName: provider.name });
  }

  /** JSON: the request's answer (or its problem); the page's form: a page, the form again when refused. */
  async request(body: unknown): Promise<JoinRequestedView> {
    return this.joins.request(await parseJoin(body));
  }

  async requestFromForm(body: unknown): Promise<RenderedPage> {
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const provider = await this.providers.get(providerIdOf(fields.provider_id));
    try {
      const dto = await parseJoin(body);
      const sent = await this.joins.request(dto);
      const sentTo = sent.sent_by === 'sms' ? dto.phone! : dto.email!;
      return linkSentPage(provider.name, sentTo, localDateTime(Date.parse(sent.expires_at), provider.timeZone));
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const form = { name: textOf(fields.name), phone: textOf(fields.phone), email: textOf(fields.email) };
      const message = error.code === 'VALIDATION_FAILED' ? 'Please check the form:' : error.detail;
      const fieldErrors = error.extra.errors?.map((problem) => problem.message);
      return joinPage(
        { providerId: provider.id, providerName: provider.name, form, error: { message, fields: fieldErrors } },
        error.status,
      );
    }
  }

  async openLink(token: unknown): Promise<RenderedPage> {
    const text = typeof token === 'string' ? token : '';
    return joinLinkPage(await this.joins.open(text), text);
  }

  /** The button, from the link's page: joins, then shows the entry. */
  async pressFromForm(token: string): Promise<RenderedPage> {
    await this.joins.press(token);
    return this.openLink(token);
  }

  /** The entry's events, counted against a quota of the entry's own (the link is no API key). */
  async stream(reply: FastifyReply, token: string): Promise<void> {
    const { entry, events } = await this.joins.follow(token);
    await this.streams.serve(reply, `queue-join:${entry.id}`, Promise.resolve(events));
  }
}
