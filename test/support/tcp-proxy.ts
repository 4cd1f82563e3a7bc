import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/** A loopback TCP proxy a test can cut and restore, to play a backing service going down. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  /** While set, bytes are dropped both ways: a service that hangs rather than refuses. */
  private stalled = false;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      // Forwarded by hand, not piped, so that a stall can drop bytes while the connections stay open.
      client.on('data', (chunk) => this.stalled || upstream.write(chunk));
      upstream.on('data', (chunk) => this.stalled || client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /** Refuses new connections and drops the open ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Keeps every connection open but lets nothing through, for good: the bytes dropped meanwhile would
   * leave a protocol out of step, so there is no resuming (`cut` and `restore` for a fresh start).
   */
  stall(): void {
    this.stalled = true;
  }

  async restore(): Promise<void> {
    this.stalled = false;
    await this.start(this.port);
  }
}
