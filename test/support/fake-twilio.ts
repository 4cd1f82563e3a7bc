import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface TwilioMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
}

export interface TwilioRequest {
  status: number;
  form: Record<string, string>;
}

/**
 * A local HTTP server that speaks Twilio's Messages API as Twilio does: POST
 * /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From (or MessagingServiceSid) and
 * Body, HTTP basic auth AccountSid:AuthToken, and a 201 JSON answer with the message.
 */
export class FakeTwilio {
  readonly accountSid = `AC${randomBytes(16).toString('hex')}`;
  readonly authToken = randomBytes(16).toString('hex');
  /** Messages accepted (201), in order. */
  readonly messages: TwilioMessage[] = [];
  /** Every request that reached the Messages route, accepted or not. */
  readonly requests: TwilioRequest[] = [];
  private readonly failures: number[] = [];
  /** While set, every request (after those `failNext` gave) gets this status instead of being accepted. */
  failEvery: number | undefined;
  /** Numbers refused as Twilio refuses an invalid one: 400, code 21211, the number in the message. */
  readonly invalidNumbers = new Set<string>();
  private waiters: (() => void)[] = [];
  private readonly server: Server = createServer((request, response) => {
    this.handle(request, response).catch(() => answer(response, 500, { code: 20500, message: 'Internal Server Error', status: 500 }));
  });
  url = '';

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** The SMS_URL that points the app at this account. */
  smsUrl(from = '+15005550006'): string {
    return `twilio://${this.accountSid}:${this.authToken}@${from}`;
  }

  /** The next requests get these statuses (500, 503, 429…) instead of being accepted. */
  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  to(phone: string): TwilioMessage[] {
    return this.messages.filter((message) => message.to === phone);
  }

  /** The first accepted message (received or yet to come) to `phone` that matches (generous by default, as SmtpSink.waitFor). */
  async waitFor(phone: string, matches: (message: TwilioMessage) => boolean = () => true, timeoutMs = 15_000): Promise<TwilioMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((message) => message.to === phone && matches(message));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No text to ${phone} within ${timeoutMs} ms (got ${JSON.stringify(this.messages)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.url ?? '');
    if (request.method !== 'POST' || !match) {
      return answer(response, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    }
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected || match[1] !== this.accountSid) {
      return answer(response, 401, { code: 20003, message: 'Authenticate', status: 401 });
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return answer(response, 415, { code: 20415, message: 'Unsupported Media Type', status: 415 });
    }
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const failure = this.failures.shift() ?? this.failEvery;
    if (failure !== undefined) {
      this.requests.push({ status: failure, form });
      return answer(response, failure, { code: 20500, message: 'Internal Server Error', status: failure });
    }
    const from = form.From ?? form.MessagingServiceSid;
    if (!form.To || !form.Body || !from) {
      this.requests.push({ status: 400, form });
      return answer(response, 400, { code: 21604, message: "A 'To', 'From' and 'Body' are required", status: 400 });
    }
    if (this.invalidNumbers.has(form.To)) {
      this.requests.push({ status: 400, form });
      return answer(response, 400, { code: 21211, message: `The 'To' number ${form.To} is not a valid phone number.`, status: 400 });
    }
    const message = { sid: `SM${randomBytes(16).toString('hex')}`, accountSid: this.accountSid, to: form.To, from, body: form.Body };
    this.requests.push({ status: 201, form });
    this.messages.push(message);
    this.waiters.splice(0).forEach((wake) => wake());
    answer(response, 201, {
      sid: message.sid,
      account_sid: message.accountSid,
      to: message.to,
      from: message.from,
      body: message.body,
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${message.sid}.json`,
    });
  }
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
