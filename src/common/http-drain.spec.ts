import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { HttpDrain } from './http-drain';

/** A bare HTTP server whose handler the test holds: each request waits until the test answers it. */
class HeldServer {
  readonly server: Server;
  readonly held: { request: IncomingMessage; response: ServerResponse; closeAfter: boolean }[] = [];
  private arrivals: (() => void)[] = [];

  constructor(private readonly drain: HttpDrain) {
    this.server = createServer((request, response) => {
      request.resume();
      this.held.push({ request, response, closeAfter: false });
      this.arrivals.splice(0).forEach((wake) => wake());
    });
    drain.watch(this.server);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async requests(count: number): Promise<void> {
    while (this.held.length < count) await new Promise<void>((resolve) => this.arrivals.push(resolve));
  }

  /** Answers the `index`th request, closing the connection as the app's onSend hook would. */
  answer(index: number, body = 'ok'): void {
    const { request, response } = this.held[index];
    this.held[index].closeAfter = this.drain.shouldCloseAfter(request);
    if (this.held[index].closeAfter) response.setHeader('connection', 'close');
    response.end(body);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    if (this.server.listening) await new Promise((resolve) => this.server.close(resolve));
  }
}

function rawConnection(port: number, text: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      resolve({ socket, received: () => received, closed });
    });
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => undefined);
  });
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', () => resolve(true));
  });

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

describe(HttpDrain.name, () => {
  let sut: HttpDrain;
  let held: HeldServer;
  let port: number;

  beforeEach(async () => {
    sut = new HttpDrain();
    held = new HeldServer(sut);
    port = await held.listen();
  });

  afterEach(() => held.stop());

  it('stops taking connections, waits for the request in flight, and closes its connection with the answer', async () => {
    const client = await rawConnection(port, GET);
    await held.requests(1);

    const draining = sut.drain(5000);
    expect(sut.isDraining).toBe(true);
    await expect(refused(port)).resolves.toBe(true);
    expect(sut.requestsInFlight).toBe(1);
    held.answer(0);

    await expect(draining).resolves.toBe(0);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 .*connection: close.*ok$/is);
  });

  it('answers every request pipelined behind the one in flight, closing the connection only with the last', async () => {
    const client = await rawConnection(port, GET + GET + GET);
    await held.requests(3);
    const draining = sut.drain(5000);

    held.answer(2, 'third');
    held.answer(0, 'first');
    held.answer(1, 'second');

    await expect(draining).resolves.toBe(0);
    await client.closed;
    expect(held.held.map((request) => request.closeAfter)).toEqual([false, false, true]);
    expect(client.received().match(/first|second|third/g)).toEqual(['first', 'second', 'third']);
  });

  it('does not wait for a request whose headers never end, and drops its connection', async () => {
    const slowloris = await rawConnection(port, 'GET / HTTP/1.1\r\nHost: x\r\n');
    // Set in the same turn as the drain's timers: timers fire in the order they fall due however late a
    // loaded machine runs them, so one waiting for the deadline would let this one fire first.
    let halfTheDeadlinePassed = false;
    const halfTheDeadline = setTimeout(() => (halfTheDeadlinePassed = true), 2500);

    await expect(sut.drain(5000)).resolves.toBe(0);
    const drainedAfterHalf = halfTheDeadlinePassed;
    clearTimeout(halfTheDeadline);

    await slowloris.closed;
    expect(drainedAfterHalf).toBe(false);
    expect(slowloris.received()).toBe('');
  });

  it('gives a request whose body never ends until the deadline, then drops it and says so', async () => {
    const slowBody = await rawConnection(port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"to');
    await held.requests(1);
    const started = Date.now();

    await expect(sut.drain(400)).resolves.toBe(1);

    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    await slowBody.closed;
  });

  it('drops a kept-alive connection that asks nothing more', async () => {
    const client = await rawConnection(port, GET);
    await held.requests(1);
    held.answer(0);

    await expect(sut.drain(5000)).resolves.toBe(0);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 .*keep-alive.*ok$/is);
  });

  it('tells each listener once when draining begins, and a late one at once', () => {
    const heard: string[] = [];
    sut.onDrain(() => heard.push('early'));
    expect(sut.shouldCloseAfter({ socket: {} } as IncomingMessage)).toBe(false);
    sut.begin();
    sut.begin();
    sut.onDrain(() => heard.push('late'));
    expect(heard).toEqual(['early', 'late']);
  });
});
