import { MailerService } from '@nestjs-modules/mailer';
import { Logger } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../common/clock';
import { validateEnvironment } from '../config/environment';
import { mailConfig } from '../config/namespaces';
import { DeliveryError } from '../delivery/outbox-message';
import { ConfirmationLinkMail, MailService } from './mail.service';

/** What reached the SMTP server: the envelope of the session and the message as sent. */
interface Sent {
  envelope: { from: string; to: string[] };
  raw: string;
}

interface RecordingSmtp {
  url: string;
  sent: Sent[];
  /** Every RCPT TO the server could read, whether or not a message followed. */
  recipients: string[];
  /** Connections opened to the server, whatever was said on them. */
  connections: number;
  reset(): void;
  stop(): Promise<void>;
}

/** A real SMTP server on a random port that keeps each envelope and message it is given. */
async function startRecordingSmtp(): Promise<RecordingSmtp> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect: (_session, callback) => {
      recording.connections++;
      callback();
    },
    onRcptTo: (address, _session, callback) => {
      recording.recipients.push(address.address);
      // The server's verdict on a recipient, by its local part: refused for good, or for now.
      if (address.address.startsWith('nobody@')) return callback(Object.assign(new Error('No such user'), { responseCode: 550 }));
      if (address.address.startsWith('busy@')) return callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 451 }));
      callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        recording.sent.push({
          envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((rcpt) => rcpt.address) },
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const recording: RecordingSmtp = {
    url: `smtp://127.0.0.1:${port}`,
    sent: [],
    recipients: [],
    connections: 0,
    reset() {
      recording.sent.length = 0;
      recording.recipients.length = 0;
      recording.connections = 0;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return recording;
}

/** Addresses the API refuses, as they might still reach the mail layer (a row stored before the rule). */
const HOSTILE_ADDRESSES = [
  '"x\r\nBcc: evil2@evil.example\r\nX-Inj: 2"@example.com',
  '"x\r\nATTENDEE:mailto:evil3@evil.example\r\nURL:http://evil.example"@example.com',
  'grace@example.com, evil@evil.example',
  'grace@example.com;evil@evil.example',
  'Grace <evil@evil.example>',
  '"grace@example.com" <evil@evil.example>',
  'grace@example.com\r\nRCPT TO:<evil@evil.example>',
  'evil@evil.example (grace@example.com)',
];

/** Plain addresses, some of unusual shape: each goes to itself and nobody else. */
const PLAIN_ADDRESSES = ['grace@example.com', "o'brien@example.ie", 'grace+calendar@mail.example.com', 'a_b-c@sub-domain.example.org'];

const HOSTILE_NAMES = ['Eve\r\nBcc: evil@evil.example', 'Eve <evil@evil.example>', '"Eve" <evil@evil.example>, x', 'Eve\nX-Inj: 1'];

/** The header block of a raw message, unfolded, one header a line. */
const headerLines = (raw: string): string[] =>
  raw
    .split('\r\n\r\n')[0]
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n');

describe(MailService.name, () => {
  let dataDir: string;
  let smtp: Awaited<ReturnType<typeof startRecordingSmtp>>;
  let sut: MailService;

  const confirmationLink = (to: string, clientName = 'Grace Hopper'): ConfirmationLinkMail => ({
    to,
    clientName,
    providerName: 'Dr. Ada Lovelace',
    appointmentId: 41,
    date: '2026-07-28',
    startTime: '14:30',
    endTime: '14:45',
    timeZone: 'Europe/Paris',
    link: 'http://127.0.0.1:5000/api/validate?token=abc',
    expiresAt: '2026-07-20 11:15 (Europe/Paris)',
  });
  const KEY = '8d5e3a2c-1f0b-4c1e-9a57-2b1f8e6d4c30';
  const send = (mail: ConfirmationLinkMail, key = KEY) => sut.deliver(sut.confirmationLinkMail(mail), key);
  /** The one message of the test, which went to `address` alone over one connection. */
  const sentOnlyTo = (address: string): Sent => {
    expect({ connections: smtp.connections, recipients: smtp.recipients, messages: smtp.sent.length }).toEqual({
      connections: 1,
      recipients: [address],
      messages: 1,
    });
    expect(smtp.sent[0].envelope.to).toEqual([address]);
    return smtp.sent[0];
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scheduler-mail-'));
    smtp = await startRecordingSmtp();
    const config = mailConfig(
      validateEnvironment({ DATA_DIR: dataDir, SMTP_URL: smtp.url, MAIL_FROM: 'Clinic Desk <desk@clinic.example>' }),
    );
    sut = new MailService(new MailerService({ transport: { url: config.smtpUrl } }, undefined as never), config, new Clock());
  });
  afterAll(async () => {
    await smtp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => smtp.reset());

  it('sends to the bare address, from the bare MAIL_FROM address, and names both in the headers', async () => {
    await send(confirmationLink('grace@example.com'));
    const sent = sentOnlyTo('grace@example.com');
    expect(sent.envelope).toEqual({ from: 'desk@clinic.example', to: ['grace@example.com'] });
    const parsed = await simpleParser(sent.raw);
    expect(parsed.to).toMatchObject({ value: [{ address: 'grace@example.com', name: 'Grace Hopper' }] });
    expect(parsed.from).toMatchObject({ value: [{ address: 'desk@clinic.example', name: 'Clinic Desk' }] });
  });

  it.each(PLAIN_ADDRESSES)('sends %j one message, to that address alone', async (address) => {
    await send(confirmationLink(address));
    const sent = sentOnlyTo(address);
    const parsed = await simpleParser(sent.raw);
    expect((parsed.to as { value: unknown[] }).value).toEqual([{ address, name: 'Grace Hopper' }]);
  });

  it.each(HOSTILE_ADDRESSES)(
    'refuses to mail %j before connecting, rather than let the mailer rewrite it into some address',
    async (address) => {
      // Refused for good (no retry can change the address), in words that do not repeat it.
      const refusal = send(confirmationLink(address));
      await expect(refusal).rejects.toBeInstanceOf(DeliveryError);
      await expect(refusal).rejects.toMatchObject({ permanent: true, message: expect.not.stringContaining('@') });
      expect({ connections: smtp.connections, recipients: smtp.recipients, messages: smtp.sent.length }).toEqual({
        connections: 0,
        recipients: [],
        messages: 0,
      });
    },
  );

  it.each(HOSTILE_NAMES)('keeps the name %j a name: one recipient, one To header, no header of its own', async (name) => {
    await send(confirmationLink('grace@example.com', name));
    const sent = sentOnlyTo('grace@example.com');
    const headers = headerLines(sent.raw);
    expect(headers.filter((line) => /^(bcc|cc|x-inj):/i.test(line))).toEqual([]);
    const parsed = await simpleParser(sent.raw);
    expect(parsed.to).toMatchObject({ value: [{ address: 'grace@example.com' }] });
    expect((parsed.to as { value: unknown[] }).value).toHaveLength(1);
  });
});

describe(`${MailService.name} deliver, as the outbox worker calls it`, () => {
  let dataDir: string;
  let smtp: Awaited<ReturnType<typeof startRecordingSmtp>>;
  let sut: MailService;
  const mail = (to: string) => ({
    to,
    toName: 'Grace Hopper',
    subject: 'Your appointment',
    html: '<p>Hello</p>',
    text: 'Hello',
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scheduler-mail-deliver-'));
    smtp = await startRecordingSmtp();
    const config = mailConfig(validateEnvironment({ DATA_DIR: dataDir, SMTP_URL: smtp.url, MAIL_FROM: 'desk@clinic.example' }));
    sut = new MailService(new MailerService({ transport: { url: config.smtpUrl } }, undefined as never), config, new Clock());
  });
  afterAll(async () => {
    await smtp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => smtp.reset());

  it("sends under one Message-ID made of the message's key, the same on every try", async () => {
    await sut.deliver(mail('grace@example.com'), 'key-1');
    await sut.deliver(mail('grace@example.com'), 'key-1');
    const ids = await Promise.all(smtp.sent.map(async (sent) => (await simpleParser(sent.raw)).messageId));
    expect(ids).toEqual(['<key-1@clinic.example>', '<key-1@clinic.example>']);
  });

  it.each([
    ['a recipient the server refuses for good (550)', 'nobody@example.com', true],
    ['a recipient the server refuses for now (451)', 'busy@example.com', false],
  ])('%s → a DeliveryError, permanent: %s', async (_, address, permanent) => {
    const attempt = sut.deliver(mail(address), 'key-2');
    await expect(attempt).rejects.toBeInstanceOf(DeliveryError);
    await expect(attempt).rejects.toMatchObject({ permanent });
  });

  it('a mail server that is not there → a DeliveryError worth retrying', async () => {
    const config = mailConfig(validateEnvironment({ DATA_DIR: dataDir, SMTP_URL: 'smtp://127.0.0.1:1', OUTBOUND_TIMEOUT_SECONDS: '2' }));
    const unreachable = new MailService(new MailerService({ transport: { url: config.smtpUrl } }, undefined as never), config, new Clock());
    await expect(unreachable.deliver(mail('grace@example.com'), 'key-3')).rejects.toMatchObject({ permanent: false });
  });
});

describe(`${MailService.name} without SMTP_URL`, () => {
  const clock = new (class extends Clock {
    override now(): Date {
      return new Date('2031-02-03T04:05:06.789Z');
    }
  })();
  let dataDir: string;
  let sut: MailService;

  beforeAll(() => {
    // Outbox mode logs the validation link for the developer; not needed here.
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    dataDir = mkdtempSync(join(tmpdir(), 'scheduler-mail-outbox-'));
    const config = mailConfig(validateEnvironment({ DATA_DIR: dataDir }));
    const mailer = new MailerService({ transport: { streamTransport: true, buffer: true, newline: 'unix' } }, undefined as never);
    sut = new MailService(mailer, config, clock);
  });
  afterAll(() => {
    jest.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("writes each message to the outbox folder, named by the app's clock and the message key", async () => {
    const mail = sut.confirmationLinkMail({
      to: 'grace@example.com',
      clientName: 'Grace Hopper',
      providerName: 'Dr. Ada Lovelace',
      appointmentId: 41,
      date: '2026-07-28',
      startTime: '14:30',
      endTime: '14:45',
      timeZone: 'Europe/Paris',
      link: 'http://127.0.0.1:5000/api/validate?token=abc',
      expiresAt: '2026-07-20 11:15 (Europe/Paris)',
    });
    await sut.deliver(mail, 'key');

    const files = readdirSync(join(dataDir, 'outbox'));
    expect(files).toEqual([`${clock.nowMs()}-key.eml`]);
    expect(readFileSync(join(dataDir, 'outbox', files[0]), 'utf8')).toContain('To: Grace Hopper <grace@example.com>');
  });
});
