import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import { AppError } from '../common/app-error';
import { HttpDrain } from '../common/http-drain';
import { StreamQuota } from './stream-quota';

/** One server-sent event. Each carries a whole state, so a newer one of the same name replaces an unsent older one. */
export interface ServerSentEvent {
  event: string;
  id: number;
  data: unknown;
}

const HEARTBEAT_MS = 15_000;
const RETRY_MS = 3_000;
/** A place comes back as soon as one of the key's streams closes; this is only a hint. */
const QUOTA_RETRY_AFTER_SECONDS = 10;

/** The text/event-stream frame of an event. JSON has no raw newlines, so `data` is one line. */
export function formatEvent(event: ServerSentEvent): string {
  return `event: ${event.event}\nid: ${event.id}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * One open event stream on a raw HTTP response. Writes never block the publisher: while a slow client
 * has not drained what was written, later events wait here, and each waits only in its latest
 * version (per event name), so a stalled client costs one frame per event name, never a backlog.
 */
class EventStreamConnection {
  private readonly pending = new Map<string, string>();
  private readonly heartbeat: NodeJS.Timeout;
  private subscription: Subscription | undefined;
  private closed = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly onClosed: (connection: EventStreamConnection) => void,
  ) {
    response.on('drain', () => this.flush());
    response.on('close', () => this.close());
    response.on('error', () => this.close());
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  follow(events: Observable<ServerSentEvent>): void {
    this.subscription = events.subscribe({
      next: (event) => this.send(event),
      error: () => this.close(),
      complete: () => this.close(),
    });
    if (this.closed) this.subscription.unsubscribe();
  }

  send(event: ServerSentEvent): void {
    if (this.closed) return;
    if (this.response.writableNeedDrain || this.pending.size > 0) {
      this.pending.set(event.event, formatEvent(event));
      return;
    }
    this.response.write(formatEvent(event));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.subscription?.unsubscribe();
    this.pending.clear();
    if (!this.response.writableEnded) this.response.end();
    this.onClosed(this);
  }

  private write(frame: string): void {
    if (!this.closed && !this.response.writableNeedDrain) this.response.write(frame);
  }

  private flush(): void {
    for (const [name, frame] of this.pending) {
      if (this.closed || this.response.writableNeedDrain) return;
      this.pending.delete(name);
      this.response.write(frame);
    }
  }
}

/**
 * Serves server-sent events on Fastify. Errors found before the stream opens (validation, a missing
 * provider or entry, a key already holding its quota of streams) still reach the problem+json filter,
 * because the reply is only taken over once `source` has resolved and a place is held. Streams end
 * when the client goes (their subscriptions and places with them) and as soon as the server begins to
 * drain: a stream is a request that never finishes by itself, and the drain waits for requests.
 */
@Injectable()
export class EventStreams implements BeforeApplicationShutdown {
  private readonly open = new Set<EventStreamConnection>();

  constructor(
    private readonly quota: StreamQuota,
    private readonly drain: HttpDrain,
  ) {
    drain.onDrain(() => this.closeAll());
  }

  /** `holder` is whose quota the stream counts against: the caller's key. */
  async serve(reply: FastifyReply, holder: string, source: Promise<Observable<ServerSentEvent>>): Promise<void> {
    const events = await source;
    const place = await this.quota.claim(holder);
    if (!place) {
      reply.header('retry-after', String(QUOTA_RETRY_AFTER_SECONDS));
      throw new AppError('RATE_LIMITED', `This key already holds ${this.quota.limit} event streams open; close one first`);
    }
    // A stream asked for just before the drain began would otherwise open after the others were ended.
    if (this.drain.isDraining) {
      place.release();
      throw new AppError('UNAVAILABLE', 'The server is shutting down; try again shortly');
    }
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold the events back.
      'x-accel-buffering': 'no',
    });
    reply.request.raw.socket?.setNoDelay(true);
    reply.request.raw.socket?.setTimeout(0);
    response.write(`retry: ${RETRY_MS}\n\n`);
    const connection = new EventStreamConnection(response, (closed) => {
      this.open.delete(closed);
      place.release();
    });
    this.open.add(connection);
    connection.follow(events);
    // A client that went away while the stream was being set up fired 'close' before anyone listened.
    if (reply.request.raw.destroyed || response.destroyed || reply.request.raw.socket?.destroyed) connection.close();
  }

  /** How many streams are open on this process. */
  get size(): number {
    return this.open.size;
  }

  beforeApplicationShutdown(): void {
    this.closeAll();
  }

  private closeAll(): void {
    for (const connection of [...this.open]) connection.close();
  }
}
