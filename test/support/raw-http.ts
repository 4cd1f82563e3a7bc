import { connect, Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a connection has received: the whole responses, and how many bytes came after the last of them. */
export interface Received {
  responses: RawResponse[];
  /** Interim `100 Continue` answers: the server has read the request's headers and waits for its body. */
  continues: number;
  /** Bytes of a response cut short (or still arriving); 0 when every byte belongs to a whole response. */
  trailingBytes: number;
}

/** An HTTP/1.1 request as it goes on the wire; `body` as JSON when given. */
export function requestText(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): string {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: keep-alive'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(payload)}`);
  return `${lines.join('\r\n')}\r\n\r\n${payload}`;
}

/**
 * One keep-alive HTTP/1.1 connection driven by hand: requests go out exactly as written, and may be
 * pipelined (a second request sent while the first is still being answered), sent by halves, or not be
 * HTTP at all, which fetch never does.
 */
export class RawHttpConnection {
  private received = Buffer.alloc(0);
  private ended = false;
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    // A reset shows as a close; what was received says whether it cut a response.
    socket.on('error', () => undefined);
  }

  static open(baseUrl: string): Promise<RawHttpConnection> {
    const { hostname, port } = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawHttpConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one request; `body` as JSON when given. */
  send(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): void {
    this.write(requestText(method, path, headers, body));
  }

  /** Sends bytes exactly as given: part of a request, several requests, or no HTTP at all. */
  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Whether the server has closed (or reset) the connection. */
  get closed(): boolean {
    return this.ended;
  }

  /** Everything received so far, read as responses. */
  get answered(): Received {
    return parseResponses(this.received);
  }

  /** The first `count` responses on this connection, in order (each must carry a content-length). */
  async responses(count: number, timeoutMs = 10_000): Promise<RawResponse[]> {
    await this.until(() => parseResponses(this.received).responses.length >= count || this.ended, timeoutMs, `${count} responses`);
    const { responses } = parseResponses(this.received);
    if (responses.length < count) throw new Error(`The connection closed after ${responses.length} of ${count} responses`);
    return responses.slice(0, count);
  }

  /** Resolves once the server has said `100 Continue` to a request sent with `expect: 100-continue`. */
  async whenContinued(timeoutMs = 10_000): Promise<void> {
    await this.until(() => parseResponses(this.received).continues > 0, timeoutMs, '100 Continue');
  }

  /** Resolves once the server has closed the connection. */
  async whenClosed(timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.ended, timeoutMs, 'the connection to close');
  }

  close(): void {
    this.socket.destroy();
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`No ${what} within ${timeoutMs} ms (${parseResponses(this.received).responses.length} responses so far)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    this.waiters.splice(0).forEach((wake) => wake());
  }
}

/** Resolves once connecting to `url` is refused: the server has stopped listening. */
export async function whenRefusing(url: string, timeoutMs = 5000): Promise<void> {
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect(Number(port), hostname);
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${url} still takes connections after ${timeoutMs} ms`);
}

function parseResponses(bytes: Buffer): Received {
  const responses: RawResponse[] = [];
  let continues = 0;
  let rest = bytes;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return { responses, continues, trailingBytes: rest.length };
    const [statusLine, ...headerLines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    if (status >= 100 && status < 200) {
      continues += 1;
      rest = rest.subarray(headEnd + 4);
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (headers['content-length'] === undefined) throw new Error(`A response without content-length: ${statusLine}`);
    const bodyStart = headEnd + 4;
    const bodyEnd = bodyStart + Number(headers['content-length']);
    if (rest.length < bodyEnd) return { responses, continues, trailingBytes: rest.length };
    responses.push({ status, headers, body: rest.subarray(bodyStart, bodyEnd).toString('utf8') });
    rest = rest.subarray(bodyEnd);
  }
}
