import { connect, Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One keep-alive HTTP/1.1 connection driven by hand: requests go out exactly as written, and may be
 * pipelined (a second request sent while the first is still being answered), which fetch never does.
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
    const payload = body === undefined ? '' : JSON.stringify(body);
    const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: keep-alive'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== undefined) lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(payload)}`);
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n${payload}`);
  }

  /** The first `count` responses on this connection, in order (each must carry a content-length). */
  async responses(count: number, timeoutMs = 10_000): Promise<RawResponse[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseResponses(this.received);
      if (parsed.length >= count) return parsed.slice(0, count);
      const left = deadline - Date.now();
      if (this.ended) throw new Error(`The connection closed after ${parsed.length} of ${count} responses`);
      if (left <= 0) throw new Error(`${parsed.length} of ${count} responses within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    this.waiters.splice(0).forEach((wake) => wake());
  }
}

function parseResponses(bytes: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = bytes;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return responses;
    const [statusLine, ...headerLines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (headers['content-length'] === undefined) throw new Error(`A response without content-length: ${statusLine}`);
    const bodyStart = headEnd + 4;
    const bodyEnd = bodyStart + Number(headers['content-length']);
    if (rest.length < bodyEnd) return responses;
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.subarray(bodyStart, bodyEnd).toString('utf8') });
    rest = rest.subarray(bodyEnd);
  }
}
