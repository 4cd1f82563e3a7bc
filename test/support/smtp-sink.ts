import { ParsedMail, simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on a random port that keeps every message it receives, parsed. */
export class SmtpSink {
  readonly messages: ParsedMail[] = [];
  private waiters: (() => void)[] = [];
  /** When set, the next messages are refused with a 451, as a struggling mail server would. */
  refuse = false;
  /** Addresses refused at RCPT TO with a 550 that names them, as a server refuses an unknown user. */
  readonly refusedRecipients = new Set<string>();

  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (_auth, _session, callback) => callback(null, { user: 'test' }),
    onRcptTo: (address, _session, callback) => {
      if (!this.refusedRecipients.has(address.address.toLowerCase())) return callback();
      callback(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`), { responseCode: 550 }));
    },
    onData: (stream, _session, callback) => {
      if (this.refuse) {
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('try later'), { responseCode: 451 })));
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          this.messages.push(mail);
          this.waiters.splice(0).forEach((wake) => wake());
          callback();
        })
        .catch(callback);
    },
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.server.address() as AddressInfo;
    return `smtp://test:test@127.0.0.1:${port}`;
  }

  /**
   * The first message (received or yet to come) sent to `address` that matches. The default wait is
   * generous: a loaded machine can starve the outbox worker for seconds; a mail that comes returns at once.
   */
  async waitFor(address: string, matches: (mail: ParsedMail) => boolean = () => true, timeoutMs = 15_000): Promise<ParsedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((mail) => recipients(mail).includes(address.toLowerCase()) && matches(mail));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No mail to ${address} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  to(address: string): ParsedMail[] {
    return this.messages.filter((mail) => recipients(mail).includes(address.toLowerCase()));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function recipients(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((group) => group.value.map((entry) => (entry.address ?? '').toLowerCase()));
}

/** The validation link in a mail's text part. */
export function validationLink(mail: ParsedMail): string {
  const match = /(https?:\/\/\S+\/api\/validate\?token=[A-Za-z0-9._%-]+)/.exec(mail.text ?? '');
  if (!match) throw new Error('No validation link in the mail');
  return match[1];
}

/** The appointment a validation mail is about: the `sub` of the token in its link. */
export function linkAppointmentId(mail: ParsedMail): number | undefined {
  const match = /\/api\/validate\?token=[^.\s]+\.([^.\s]+)\./.exec(mail.text ?? '');
  if (!match) return undefined;
  return Number(JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')).sub);
}
