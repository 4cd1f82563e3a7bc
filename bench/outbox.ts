/*
 * The validation links the scheduler mails, read back from its outbox folder (DATA_DIR/outbox/*.eml,
 * written by the outbox worker shortly after each hold when SMTP_URL is empty), as a person would
 * follow them: the bench confirms holds with the tokens it finds there.
 */
import { simpleParser } from 'mailparser';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from './config';

const VALIDATION_LINK = /\/api\/validate\?token=([A-Za-z0-9._-]+)/g;
const BASE64_TEXT_PART = /Content-Type:\s*text\/(?:plain|html)[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*\r?\nContent-Transfer-Encoding:\s*base64/i;

/** Unused validation tokens of one client, one per appointment, in the order their mails were read. */
export class TokenPool {
  private readonly tokens: string[] = [];
  private readonly appointments = new Set<number>();
  private next = 0;

  add(appointmentId: number, token: string): void {
    if (this.appointments.has(appointmentId)) return; // a hold reminder repeats the link
    this.appointments.add(appointmentId);
    this.tokens.push(token);
  }

  /** A token no one has used yet, or undefined when none is left. */
  take(): string | undefined {
    return this.next < this.tokens.length ? this.tokens[this.next++] : undefined;
  }

  /** Tokens found in all. */
  get found(): number {
    return this.tokens.length;
  }

  /** Tokens found and not yet taken. */
  get left(): number {
    return this.tokens.length - this.next;
  }
}

interface ReadMail {
  /** False while the outbox worker is still writing the file. */
  complete: boolean;
  recipient?: string;
  token?: string;
}

export class OutboxReader {
  private readonly read = new Set<string>();
  private readonly pools = new Map<string, TokenPool>();

  constructor(private readonly dir: string) {}

  /** Complete .eml files read so far. */
  get mails(): number {
    return this.read.size;
  }

  /** The tokens mailed to `email`, filled by every scan. */
  poolOf(email: string): TokenPool {
    const key = email.toLowerCase();
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, (pool = new TokenPool()));
    return pool;
  }

  /** Reads the mails not read yet; a file still being written is read by a later scan. */
  async scan(): Promise<void> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch {
      return; // no mail written yet
    }
    for (const file of files) {
      if (!file.endsWith('.eml') || this.read.has(file)) continue;
      const mail = await readMail(join(this.dir, file));
      if (!mail.complete) continue;
      this.read.add(file);
      const appointmentId = mail.token ? appointmentOf(mail.token) : undefined;
      if (mail.recipient && mail.token && appointmentId !== undefined) this.poolOf(mail.recipient).add(appointmentId, mail.token);
    }
  }

  /**
   * Scans until at least `expected` mails are read and no new one has come for half a second, or
   * until `timeoutMs`: the outbox has caught up with what was asked of it.
   */
  async settle(expected: number, timeoutMs: number): Promise<{ caughtUp: boolean; waitedMs: number }> {
    const started = Date.now();
    let lastCount = -1;
    let lastChange = started;
    for (;;) {
      await this.scan();
      const now = Date.now();
      if (this.mails !== lastCount) {
        lastCount = this.mails;
        lastChange = now;
      }
      if (this.mails >= expected && now - lastChange >= 500) return { caughtUp: true, waitedMs: now - started };
      if (now - started >= timeoutMs) return { caughtUp: false, waitedMs: now - started };
      await sleep(100);
    }
  }
}

async function readMail(path: string): Promise<ReadMail> {
  const raw = await readFile(path, 'latin1');
  const headerEnd = raw.search(/\r?\n\r?\n/);
  if (headerEnd < 0) return { complete: false };
  const headers = raw.slice(0, headerEnd);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  const complete = boundary ? raw.includes(`--${boundary}--`) : Date.now() - (await stat(path)).mtimeMs > 1000;
  if (!complete) return { complete };
  const recipient = /<([^<>\s]+@[^<>\s]+)>/.exec(/^To:(.*(?:\r?\n[ \t].*)*)/im.exec(headers)?.[1] ?? '')?.[1];

  // Quoted-printable, as nodemailer writes these parts: drop soft line breaks, decode =XX.
  const decoded = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  let links = [...decoded.matchAll(VALIDATION_LINK)].map((match) => match[1]);
  if (links.length === 0 && BASE64_TEXT_PART.test(raw)) {
    const parsed = await simpleParser(Buffer.from(raw, 'latin1'));
    links = [...`${parsed.text ?? ''} ${typeof parsed.html === 'string' ? parsed.html : ''}`.matchAll(VALIDATION_LINK)].map(
      (match) => match[1],
    );
  }
  // The text and the HTML part carry the same link; any disagreement means a mail not as expected: no token.
  const token = links.length > 0 && links.every((link) => link === links[0]) ? links[0] : undefined;
  return { complete, recipient, token };
}

/** The appointment a hold token is for: its `sub` claim (read, not verified: the app verifies it). */
function appointmentOf(token: string): number | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
    const id = Number(claims.sub);
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
