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
import { MailService, ValidationMail } from './mail.service';

/** What reached the SMTP server: the envelope of the session and the message as sent. */
interface Sent {
  envelope: { from: string; to: string[] };
  raw: string;
}

/** A real SMTP server on a random port that keeps each envelope and message it is given. */
async function startRecordingSmtp(): Promise<{ url: string; sent: Sent[]; recipients: string[]; stop: () => Promise<void> }> {
  const sent: Sent[] = [];
  /** Every RCPT TO the server could read, whether or not a message followed. */
  const recipients: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo: (address, _session, callback) => {
      recipients.push(address.address);
      callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        sent.push({
          envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((rcpt) => rcpt.address) },
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, sent, recipients, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

const HOSTILE_ADDRESSES = [
  '"x\r\nBcc: evil2@evil.example\r\nX-Inj: 2"@example.com',
  '"x\r\nATTENDEE:mailto:evil3@evil.example\r\nURL:http://evil.example"@example.com',
  'grace@example.com, evil@evil.example',
  'Grace <evil@evil.example>',
  '"grace@example.com" <evil@evil.example>',
];

const HOSTILE_NAMES = ['Eve\r\nBcc: evil@evil.example', 'Eve <evil@evil.example>', '"Eve" <evil@evil.example>, x', 'Eve\nX-Inj: 1'];

/** The header block of a raw message, unfolded, one header a line. */
const headerLines = (raw: string): string[] => raw.split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' ').split('\r\n');

describe(MailService.name, () => {
  let dataDir: string;
  let smtp: Awaited<ReturnType<typeof startRecordingSmtp>>;
  let sut: MailService;

  const validation = (to: string, clientName = 'Grace Hopper'): ValidationMail => ({
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
  const sentOnly = (): Sent => {
    expect(smtp.sent).toHaveLength(1);
    return smtp.sent[0];
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scheduler-mail-'));
    smtp = await startRecordingSmtp();
    const config = mailConfig(validateEnvironment({ DATA_DIR: dataDir, SMTP_URL: smtp.url, MAIL_FROM: 'Clinic Desk <desk@clinic.example>' }));
    sut = new MailService(new MailerService({ transport: { url: config.smtpUrl } }, undefined as never), config, new Clock());
  });
  afterAll(async () => {
    await smtp.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    smtp.sent.length = 0;
    smtp.recipients.length = 0;
  });

  it('sends to the bare address, from the bare MAIL_FROM address, and names both in the headers', async () => {
    await sut.sendValidation(validation('grace@example.com'));
    const sent = sentOnly();
    expect(sent.envelope).toEqual({ from: 'desk@clinic.example', to: ['grace@example.com'] });
    const parsed = await simpleParser(sent.raw);
    expect(parsed.to).toMatchObject({ value: [{ address: 'grace@example.com', name: 'Grace Hopper' }] });
    expect(parsed.from).toMatchObject({ value: [{ address: 'desk@clinic.example', name: 'Clinic Desk' }] });
  });

  it.each(HOSTILE_ADDRESSES)('never reads the address %j as another recipient or header', async (address) => {
    // A mail server may refuse such an address outright (a 503 for the request): that is fine. What
    // must never happen is a recipient made out of part of it.
    await sut.sendValidation(validation(address)).catch(() => undefined);
    const domain = address.slice(address.lastIndexOf('@') + 1);
    expect(smtp.recipients.length).toBeLessThanOrEqual(1);
    for (const recipient of smtp.recipients) expect(recipient.endsWith(`@${domain}`)).toBe(true);
    for (const sent of smtp.sent) {
      const headers = headerLines(sent.raw);
      expect(headers.filter((line) => /^(bcc|cc|x-inj|attendee|url):/i.test(line))).toEqual([]);
      expect(headers.filter((line) => /^to:/i.test(line))).toHaveLength(1);
    }
  });

  it.each(HOSTILE_NAMES)('keeps the name %j a name: one recipient, one To header, no header of its own', async (name) => {
    await sut.sendValidation(validation('grace@example.com', name));
    const sent = sentOnly();
    expect(sent.envelope.to).toEqual(['grace@example.com']);
    const headers = headerLines(sent.raw);
    expect(headers.filter((line) => /^(bcc|cc|x-inj):/i.test(line))).toEqual([]);
    const parsed = await simpleParser(sent.raw);
    expect(parsed.to).toMatchObject({ value: [{ address: 'grace@example.com' }] });
    expect((parsed.to as { value: unknown[] }).value).toHaveLength(1);
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

  it("writes each message to the outbox folder, named by the app's clock", async () => {
    await sut.sendValidation({
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

    const files = readdirSync(join(dataDir, 'outbox'));
    expect(files).toEqual([expect.stringMatching(new RegExp(`^${clock.nowMs()}-[0-9a-f-]{36}\\.eml$`))]);
    expect(readFileSync(join(dataDir, 'outbox', files[0]), 'utf8')).toContain('To: Grace Hopper <grace@example.com>');
  });
});
