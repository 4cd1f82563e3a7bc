import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { Subject } from 'rxjs';
import { AppError } from '../common/app-error';
import { HttpDrain } from '../common/http-drain';
import { EventStreams, formatEvent, ServerSentEvent } from './event-stream';
import { MemoryStreamQuota, STREAMS_PER_KEY } from './stream-quota';

/** A response whose client reads only when the test says so. */
class FakeResponse extends EventEmitter {
  readonly frames: string[] = [];
  headers: Record<string, string> = {};
  status = 0;
  writableNeedDrain = false;
  writableEnded = false;

  writeHead(status: number, headers: Record<string, string>) {
    this.status = status;
    this.headers = headers;
    return this;
  }

  write(frame: string): boolean {
    this.frames.push(frame);
    return !this.writableNeedDrain;
  }

  end(): void {
    this.writableEnded = true;
  }

  /** The client catches up. */
  drain(): void {
    this.writableNeedDrain = false;
    this.emit('drain');
  }

  events(): string[] {
    return this.frames.filter((frame) => frame.startsWith('event:'));
  }
}

function fakeReply(response: FakeResponse, headers: Record<string, string> = {}): FastifyReply {
  return {
    raw: response as unknown as ServerResponse,
    request: { raw: { socket: { setNoDelay: () => undefined, setTimeout: () => undefined } } },
    hijack: () => undefined,
    header: (name: string, value: string) => (headers[name] = value),
    getHeaders: () => ({ 'x-frame-options': 'DENY' }),
  } as unknown as FastifyReply;
}

const queue = (revision: number): ServerSentEvent => ({ event: 'queue', id: revision, data: { revision } });

describe(EventStreams.name, () => {
  it('opens a text/event-stream, keeps the headers already set, and writes each event as a frame', async () => {
    const sut = new EventStreams(new MemoryStreamQuota(STREAMS_PER_KEY), new HttpDrain());
    const response = new FakeResponse();
    const events = new Subject<ServerSentEvent>();
    await sut.serve(fakeReply(response), 'admin', Promise.resolve(events));
    events.next(queue(1));
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'x-frame-options': 'DENY' });
    expect(response.events()).toEqual(['event: queue\nid: 1\ndata: {"revision":1}\n\n']);
    expect(formatEvent({ event: 'entry', id: 3, data: { text: 'two\nlines' } })).toBe(
      'event: entry\nid: 3\ndata: {"text":"two\\nlines"}\n\n',
    );
  });

  it('keeps only the latest state for a client that does not read, and sends it once the client catches up', async () => {
    const sut = new EventStreams(new MemoryStreamQuota(STREAMS_PER_KEY), new HttpDrain());
    const response = new FakeResponse();
    const events = new Subject<ServerSentEvent>();
    await sut.serve(fakeReply(response), 'admin', Promise.resolve(events));
    events.next(queue(1));
    response.writableNeedDrain = true;
    for (let revision = 2; revision <= 1000; revision++) events.next(queue(revision));
    expect(response.events()).toHaveLength(1);
    response.drain();
    expect(response.events()).toEqual([formatEvent(queue(1)), formatEvent(queue(1000))]);
  });

  it('a stalled client does not hold up another', async () => {
    const sut = new EventStreams(new MemoryStreamQuota(STREAMS_PER_KEY), new HttpDrain());
    const [stalled, reading] = [new FakeResponse(), new FakeResponse()];
    const events = new Subject<ServerSentEvent>();
    await sut.serve(fakeReply(stalled), 'admin', Promise.resolve(events));
    await sut.serve(fakeReply(reading), 'admin', Promise.resolve(events));
    stalled.writableNeedDrain = true;
    for (let revision = 1; revision <= 5; revision++) events.next(queue(revision));
    expect(reading.events()).toHaveLength(5);
  });

  it('unsubscribes when the client goes away, and ends every stream on shutdown', async () => {
    const sut = new EventStreams(new MemoryStreamQuota(STREAMS_PER_KEY), new HttpDrain());
    const [leaving, staying] = [new FakeResponse(), new FakeResponse()];
    const [first, second] = [new Subject<ServerSentEvent>(), new Subject<ServerSentEvent>()];
    await sut.serve(fakeReply(leaving), 'admin', Promise.resolve(first));
    await sut.serve(fakeReply(staying), 'admin', Promise.resolve(second));
    expect([sut.size, first.observed, second.observed]).toEqual([2, true, true]);
    leaving.emit('close');
    expect([sut.size, first.observed]).toEqual([1, false]);
    sut.beforeApplicationShutdown();
    expect([sut.size, second.observed, staying.writableEnded]).toEqual([0, false, true]);
  });

  it('does not open a stream when the source fails (the error becomes a problem answer instead)', async () => {
    const sut = new EventStreams(new MemoryStreamQuota(STREAMS_PER_KEY), new HttpDrain());
    const response = new FakeResponse();
    await expect(sut.serve(fakeReply(response), 'admin', Promise.reject(new Error('no such provider')))).rejects.toThrow(
      'no such provider',
    );
    expect(response.status).toBe(0);
    expect(sut.size).toBe(0);
  });

  it('refuses a key past its quota of streams before taking the reply over, and a closed stream frees its place', async () => {
    const sut = new EventStreams(new MemoryStreamQuota(2), new HttpDrain());
    const [first, second, refused, later, other] = [1, 2, 3, 4, 5].map(() => new FakeResponse());
    await sut.serve(fakeReply(first), 'provider:1', Promise.resolve(new Subject<ServerSentEvent>()));
    await sut.serve(fakeReply(second), 'provider:1', Promise.resolve(new Subject<ServerSentEvent>()));
    const refusedHeaders: Record<string, string> = {};

    const error = await sut
      .serve(fakeReply(refused, refusedHeaders), 'provider:1', Promise.resolve(new Subject<ServerSentEvent>()))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(Number(refusedHeaders['retry-after'])).toBeGreaterThan(0);
    expect([refused.status, sut.size]).toEqual([0, 2]);
    await sut.serve(fakeReply(other), 'provider:2', Promise.resolve(new Subject<ServerSentEvent>()));
    first.emit('close');
    await sut.serve(fakeReply(later), 'provider:1', Promise.resolve(new Subject<ServerSentEvent>()));
    expect([later.status, sut.size]).toEqual([200, 3]);
  });

  it('ends every stream as soon as the server begins to drain, and opens none after, holding no place', async () => {
    const [quota, drain] = [new MemoryStreamQuota(1), new HttpDrain()];
    const sut = new EventStreams(quota, drain);
    const [open, late] = [new FakeResponse(), new FakeResponse()];
    const events = new Subject<ServerSentEvent>();
    await sut.serve(fakeReply(open), 'client:7', Promise.resolve(events));

    drain.begin();

    expect([sut.size, events.observed, open.writableEnded]).toEqual([0, false, true]);
    await expect(sut.serve(fakeReply(late), 'client:7', Promise.resolve(new Subject<ServerSentEvent>()))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect([late.status, sut.size]).toEqual([0, 0]);
    await expect(quota.claim('client:7')).resolves.toBeDefined();
  });

  it('frees the places of the streams it ends on shutdown', async () => {
    const quota = new MemoryStreamQuota(1);
    const sut = new EventStreams(quota, new HttpDrain());
    await sut.serve(fakeReply(new FakeResponse()), 'client:7', Promise.resolve(new Subject<ServerSentEvent>()));
    sut.beforeApplicationShutdown();
    await expect(quota.claim('client:7')).resolves.toBeDefined();
  });
});
