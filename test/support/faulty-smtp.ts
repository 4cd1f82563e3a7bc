import { simpleParser } from 'mailparser';
import { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * accept: takes each message (after `delayMs`); refuse: 451 after DATA, as a struggling server does;
 * stall: reads the whole message, then never answers (the sender cannot know whether it went).
 */
export type SmtpMode = 'accept' | 'refuse' | 'stall';

/** A message the server took (answered 250): only these count as delivered. */
export interface ReceivedMail {
  messageId: string;
  to: string;
  subject: string;
  /** The message as sent; `FaultySmtp.textOf` decodes its text part. */
  raw: Buffer;
  /** The AUTH user the sender logged in as: tells apart the processes that sent it. */
  user: string;
}

/** One header of a message, unfolded; the cheap way, so that a batch of 1,000 does not slow the server's answers. */
function header(head: string, name: string): string {
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r\\n[ \\t].*)*)`, 'im').exec(head);
  return (match?.[1] ?? '').replace(/\r\n[ \t]+/g, ' ').trim();
}

/**
 * A real SMTP server on a fixed loopback port that a fault test can switch between taking, refusing and
 * stalling mail, and take down (nothing listening) and bring back up on the same port. It records what it
 * took by Message-ID, so a test can count each message's copies. (SmtpSink keeps whole parsed mails and
 * can only refuse; the fault specs need the other modes and a port that outlives a stop.)
 */
export class FaultySmtp {
  mode: SmtpMode = 'accept';
  /** How long each accepted message waits for its 250: slows a batch so that a kill lands in its middle. */
  delayMs = 0;
  readonly received: ReceivedMail[] = [];
  /** Message-IDs of the messages read whole in stall mode and never answered. */
  readonly stalled: string[] = [];
  refused = 0;
  private port = 0;
  private server: SMTPServer | undefined;
  private readonly sockets = new Set<Socket>();
  private waiters: (() => void)[] = [];

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // Lets a burst of 8 senders per process connect at once.
      maxClients: 100,
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
      onData: (stream, session, callback) => {
        const mode = this.mode;
        if (mode === 'refuse') {
          stream.resume();
          stream.on('end', () => {
            this.refused++;
            callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
          });
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('utf8');
          const messageId = header(head, 'Message-ID');
          if (mode === 'stall') {
            this.stalled.push(messageId);
            this.wake();
            return; // never answered
          }
          const to = /<([^>]+)>/.exec(header(head, 'To'))?.[1] ?? header(head, 'To');
          const take = () => {
            this.received.push({
              messageId,
              to: to.toLowerCase(),
              subject: header(head, 'Subject'),
              raw,
              user: String(session.user ?? ''),
            });
            this.wake();
            callback();
          };
          if (this.delayMs > 0) setTimeout(take, this.delayMs);
          else take();
        });
      },
    });
    server.on('error', () => undefined);
    server.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The SMTP_URL of this server; `user` names the sending process. */
  url(user = 'test'): string {
    return `smtp://${user}:secret@127.0.0.1:${this.port}`;
  }

  /** Nothing listens any more, and every open connection is dropped: a mail server that is down. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.server.close(() => resolve()));
  }

  /** Listening again, on the same port. */
  async up(): Promise<void> {
    await this.start();
  }

  stop(): Promise<void> {
    return this.down();
  }

  /** How many copies of each Message-ID were taken. */
  copies(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { messageId } of this.received) counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
    return counts;
  }

  /** A taken message's text part, decoded. */
  async textOf(mail: ReceivedMail): Promise<string> {
    return (await simpleParser(mail.raw)).text ?? '';
  }

  to(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to === address.toLowerCase());
  }

  /** Resolves once `done()` holds; rejects naming `what` after `timeoutMs`. */
  async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Still waiting for ${what} after ${timeoutMs} ms (${this.received.length} taken)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
