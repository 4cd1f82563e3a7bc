import { AddressInfo, createServer, Server, Socket } from 'node:net';

/**
 * One message left without an answer, timed here, on the server's side: a deadline is read as `closedAt −
 * stalledAt`, which a loaded machine stretches only by the moment it takes to notice the close, not by how
 * long a test waited.
 */
export interface Stall {
  /** When the message's final "." came in (the wait for an answer that never comes begins). */
  stalledAt: number;
  /** When the client closed that connection; undefined while it is open. */
  closedAt: number | undefined;
}

/**
 * A mail server that speaks SMTP until the message is sent, then never answers: it takes DATA and the
 * whole message, and the final "." gets no reply. The connection stays open until the client drops it.
 */
export class StallingSmtpServer {
  private server: Server | undefined;
  private readonly connections = new Set<Socket>();
  private stallWaiters: (() => void)[] = [];
  private closeWaiters: (() => void)[] = [];
  /** Every message left without an answer, in the order they came. */
  readonly stalls: Stall[] = [];

  /** Messages received whole and left without an answer. */
  get stalled(): number {
    return this.stalls.length;
  }

  async start(): Promise<string> {
    this.server = createServer((socket) => this.converse(socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    // No credentials: the server offers no AUTH, so the client goes straight to MAIL FROM.
    return `smtp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Connections the client has not closed yet. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** Resolves once `count` messages in all have been received and left unanswered. */
  waitForStalled(count = 1, timeoutMs = 15_000): Promise<void> {
    return this.waitUntil(() => this.stalled >= count, this.stallWaiters, timeoutMs, `${count} stalled message(s)`);
  }

  /** Resolves once the client has closed every connection. */
  waitForNoConnections(timeoutMs = 5000): Promise<void> {
    return this.waitUntil(() => this.connections.size === 0, this.closeWaiters, timeoutMs, 'every connection closed by the client');
  }

  /** The `index`th stall (0-based) once the client has closed its connection. */
  async waitForStallClosed(index: number, timeoutMs = 15_000): Promise<Stall & { closedAt: number }> {
    await this.waitUntil(
      () => this.stalls[index]?.closedAt !== undefined,
      this.closeWaiters,
      timeoutMs,
      `the connection of stalled message ${index + 1} closed by the client`,
    );
    return this.stalls[index] as Stall & { closedAt: number };
  }

  /** Hangs up on every client, as a mail server that finally gives up would. */
  dropConnections(): void {
    for (const socket of this.connections) socket.destroy();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private converse(socket: Socket): void {
    this.connections.add(socket);
    let stall: Stall | undefined;
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (stall) stall.closedAt = Date.now();
      this.connections.delete(socket);
      this.wake(this.closeWaiters);
    });
    socket.setEncoding('utf8');
    socket.write('220 stall.test ESMTP\r\n');
    let buffer = '';
    let inData = false;
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          buffer = buffer.slice(end + 5);
          inData = false;
          stall = { stalledAt: Date.now(), closedAt: undefined };
          this.stalls.push(stall);
          this.wake(this.stallWaiters);
          return; // the message is in: no answer, ever
        }
        const lineEnd = buffer.indexOf('\r\n');
        if (lineEnd < 0) return;
        const command = buffer.slice(0, lineEnd).toUpperCase();
        buffer = buffer.slice(lineEnd + 2);
        if (command.startsWith('EHLO')) socket.write('250-stall.test\r\n250 8BITMIME\r\n');
        else if (/^(HELO|MAIL|RCPT|RSET|NOOP)/.test(command)) socket.write('250 OK\r\n');
        else if (command.startsWith('DATA')) {
          socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
          inData = true;
        } else if (command.startsWith('QUIT')) socket.end('221 Bye\r\n');
        else socket.write('502 Command not implemented\r\n');
      }
    });
  }

  private waitUntil(done: () => boolean, waiters: (() => void)[], timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => reject(new Error(`Still waiting for ${what} after ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (!done()) return waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      waiters.push(check);
    });
  }

  private wake(waiters: (() => void)[]): void {
    for (const check of waiters.splice(0)) check();
  }
}
