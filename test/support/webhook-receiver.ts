import { createServer, IncomingHttpHeaders, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedCall {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as the signature covers it. */
  body: string;
  at: number;
  /**
   * When the exchange ended, timed here: once the answer went, or for a call left hanging, when the
   * caller closed the connection (its deadline). Undefined while it lasts.
   */
  closedAt: number | undefined;
}

/** How a path answers its `n`th call (1-based); leaving the response open makes the receiver hang. */
export type Answer = (response: ServerResponse, n: number) => void;

export const answerWith =
  (status: number, body = '') =>
  (response: ServerResponse) => {
    response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  };

/** A real HTTP server standing in for a subscriber: records every call and answers as each path is told to. */
export class WebhookReceiver {
  readonly calls: ReceivedCall[] = [];
  private readonly answers = new Map<string, Answer>();
  private readonly counts = new Map<string, number>();
  private readonly server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const n = (this.counts.get(path) ?? 0) + 1;
      this.counts.set(path, n);
      const call: ReceivedCall = {
        path,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        closedAt: undefined,
      };
      response.once('close', () => (call.closedAt = Date.now()));
      this.calls.push(call);
      (this.answers.get(path) ?? answerWith(204))(response, n);
    });
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** `http://<host>:<port><path>`; host 127.0.0.1 unless told (`localhost`). */
  url(path: string, host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  answer(path: string, answer: Answer): void {
    this.answers.set(path, answer);
  }

  callsTo(path: string): ReceivedCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  /** The calls to `path` once there are at least `count`. */
  async waitForCalls(path: string, count = 1, timeoutMs = 10_000): Promise<ReceivedCall[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.callsTo(path).length < count) {
      if (Date.now() > deadline) throw new Error(`${this.callsTo(path).length} of ${count} calls to ${path} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return this.callsTo(path);
  }

  /** `call` once its exchange has ended (answered, or the caller hung up). */
  async waitForClose(call: ReceivedCall, timeoutMs = 10_000): Promise<ReceivedCall & { closedAt: number }> {
    const deadline = Date.now() + timeoutMs;
    while (call.closedAt === undefined) {
      if (Date.now() > deadline) throw new Error(`The call to ${call.path} still open after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return call as ReceivedCall & { closedAt: number };
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
