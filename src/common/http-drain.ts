import { Injectable } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';

/**
 * A moment for the connections accepted just before the server stopped listening to be read: their
 * requests are then answered (503), where dropping the connection would reset a request already sent.
 */
const SETTLE_MS = 100;

/**
 * The HTTP side of a graceful stop (src/shutdown.ts runs it). Counts the requests each connection has
 * sent and not yet been answered, from the start. Once draining begins, configureApp answers new requests
 * 503 and closes each connection with the answer to the last request received on it; long-lived responses
 * (event streams) end through `onDrain`.
 */
@Injectable()
export class HttpDrain {
  private server: Server | undefined;
  private draining = false;
  private readonly drainListeners: (() => void)[] = [];
  private readonly connections = new Map<Socket, Connection>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  /** Starts counting the requests of `server`. */
  watch(server: Server): void {
    this.server = server;
    // Before Fastify's own listener, so a request is counted before anything can answer it.
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => this.track(request, response));
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Requests received and not yet answered. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** `listener` runs once draining begins (at once if it has). */
  onDrain(listener: () => void): void {
    if (this.draining) listener();
    else this.drainListeners.push(listener);
  }

  /** From now on new requests are refused and connections close after their last answer. */
  begin(): void {
    if (this.draining) return;
    this.draining = true;
    for (const listener of this.drainListeners.splice(0)) listener();
  }

  /**
   * Whether the answer to `request` should close its connection: while draining, the answer to the last
   * request received on a connection does (answers leave in the order of the requests). One with
   * requests pipelined behind it keeps the connection open for their answers: closing it would drop
   * requests already carried out.
   */
  shouldCloseAfter(request: IncomingMessage): boolean {
    return this.draining && this.connections.get(request.socket)?.latest === request;
  }

  /**
   * Begins draining, stops taking connections, waits up to `timeoutMs` for every request received to be
   * answered, then drops the connections left: kept-alive ones that sent nothing more, and requests still
   * being sent. Resolves with how many requests were cut off unanswered.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.begin();
    const server = this.server;
    if (!server) return 0;
    // Not server.close(): it also destroys every connection Node deems idle, which includes one accepted a
    // moment ago whose request has not been read yet; its client would see a reset.
    if (server.listening) NetServer.prototype.close.call(server);
    const deadline = Date.now() + timeoutMs;
    await sleep(Math.min(SETTLE_MS, timeoutMs));
    await this.idle(deadline - Date.now());
    const cutOff = this.inFlight;
    server.closeAllConnections();
    return cutOff;
  }

  private track(request: IncomingMessage, response: ServerResponse): void {
    const socket = request.socket;
    let connection = this.connections.get(socket);
    if (!connection) {
      const created: Connection = { latest: request, unanswered: new Set() };
      this.connections.set(socket, created);
      // A connection that goes leaves nothing to answer: its pipelined requests never get a 'close' of their own.
      socket.once('close', () => {
        this.connections.delete(socket);
        for (const settle of [...created.unanswered]) settle();
      });
      connection = created;
    }
    const { unanswered } = connection;
    connection.latest = request;
    const settle = () => {
      if (!unanswered.delete(settle)) return;
      this.inFlight -= 1;
      if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
    };
    unanswered.add(settle);
    this.inFlight += 1;
    response.once('close', settle);
  }

  /** Resolves once no request is in flight, or after `timeoutMs`. */
  private async idle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0 || timeoutMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(resolve);
    });
    clearTimeout(timer);
  }
}

interface Connection {
  /** The last request received on the connection: its answer is the last to leave. */
  latest: IncomingMessage;
  /** The requests received and not yet answered, each by the callback that settles it. */
  unanswered: Set<() => void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
