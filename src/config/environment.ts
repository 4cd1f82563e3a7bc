import { applyDecorators } from '@nestjs/common';
import { Expose, plainToInstance, Transform } from 'class-transformer';
import { isEmail, IsInt, Max, Min, ValidateBy, ValidationArguments, validateSync } from 'class-validator';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** A bad setting: the message names the variable, and the start stops. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';

  constructor(message: string) {
    super(message);
    // Nest logs a failed start with the error's stack; here the message says it all.
    this.stack = `${this.name}: ${message}`;
  }
}

export const MIN_SECRET_LENGTH = 32;

/** Trimmed text; blank reads as unset. */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A variable read as trimmed text, or `fallback` when unset or blank. */
const Text = (fallback?: string) =>
  applyDecorators(
    Expose(),
    Transform(({ value }) => text(value) ?? fallback),
  );

/** A whole number written as plain digits (no sign, dot, exponent or hex), between `min` and `max`. */
function WholeNumber(fallback: number, min: number, max: number): PropertyDecorator {
  const outOfRange = ({ value }: ValidationArguments) => `must be between ${min} and ${max}, got ${value}`;
  return applyDecorators(
    Expose(),
    // Anything but plain digits stays text, for IsInt to refuse by name ("5e3" is not 5000 here).
    Transform(({ value }) => {
      const raw = text(value);
      if (raw === undefined) return fallback;
      return /^\d+$/.test(raw) ? Number(raw) : raw;
    }),
    IsInt({ message: ({ value }) => `must be a whole number, got "${value}"` }),
    Min(min, { message: outOfRange }),
    Max(max, { message: outOfRange }),
  );
}

/** `true` or `false` (any case), or `fallback` when unset or blank; anything else is refused by name. */
function Flag(fallback: boolean): PropertyDecorator {
  return applyDecorators(
    Expose(),
    Transform(({ value }) => {
      const raw = text(value)?.toLowerCase();
      if (raw === undefined) return fallback;
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    }),
    ValidateBy({
      name: 'flag',
      validator: {
        validate: (value) => typeof value === 'boolean',
        defaultMessage: (args?: ValidationArguments) => `must be true or false, got "${String(args?.value)}"`,
      },
    }),
  );
}

/**
 * A rule written as one function: what is wrong with the value, or undefined when nothing is. The
 * message never repeats the value, which may carry a password or a secret.
 */
function Rule(name: string, problem: (value: unknown, env: Environment) => string | undefined): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => problem(value, args!.object as Environment) === undefined,
      defaultMessage: (args?: ValidationArguments) => problem(args!.value, args!.object as Environment) ?? '',
    },
  });
}

function urlProblem(value: string, protocols: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  return protocols.includes(url.protocol) ? undefined : `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`;
}

/** An optional URL whose scheme is one of `protocols` (`'redis:'`, …). */
const UrlOf = (...protocols: string[]) =>
  Rule('urlOf', (value) => (value === undefined ? undefined : urlProblem(value as string, protocols)));

/** The Twilio account of SMS_URL. */
export interface TwilioAccount {
  accountSid: string;
  authToken: string;
  /** A phone number in E.164, or a Messaging Service SID (MG…). */
  from: string;
}

/** What is wrong with a value, for `Rule`: the message of the error its parser throws. */
function problemOf(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Reads `twilio://ACCOUNT_SID:AUTH_TOKEN@FROM` (FROM may be written +1415… or %2B1415…). Throws with
 * what is wrong, never repeating the URL, which carries the token.
 */
export function parseTwilioUrl(raw: string): TwilioAccount {
  const problem = urlProblem(raw, ['twilio:']);
  if (problem) throw new Error(problem);
  const url = new URL(raw);
  const shape = 'must be twilio://ACCOUNT_SID:AUTH_TOKEN@FROM';
  let account: TwilioAccount;
  try {
    account = {
      accountSid: decodeURIComponent(url.username),
      authToken: decodeURIComponent(url.password),
      from: decodeURIComponent(url.host),
    };
  } catch {
    throw new Error(`${shape}, with valid %-escapes`);
  }
  if (!account.accountSid || !account.authToken || !account.from || url.pathname || url.search || url.hash) throw new Error(shape);
  return account;
}

/** The sender of every mail. */
export interface MailSender {
  /** Empty when MAIL_FROM is a bare address. */
  name: string;
  address: string;
}

/** `Name <address>`: a display name without quotes, angle brackets, backslashes or control characters. */
const NAMED_ADDRESS = /^([^"<>\\\p{Cc}\p{Cf}]*?)\s*<([^<>]*)>$/u;

/**
 * Reads MAIL_FROM: `Scheduler <no-reply@example.com>` or a bare `no-reply@example.com`, nothing else
 * (no quoted name, comment, group or second address). A host without a dot (`localhost`) is allowed.
 */
export function parseMailFrom(raw: string): MailSender {
  const named = NAMED_ADDRESS.exec(raw);
  const sender = named ? { name: named[1], address: named[2] } : { name: '', address: raw };
  const plain =
    !/["(),:;<>[\\\]\s\p{Cc}\p{Cf}]/u.test(sender.address) &&
    isEmail(sender.address, { allow_display_name: false, allow_ip_domain: false, require_tld: false });
  if (!plain) throw new Error('must be an address such as "Scheduler <no-reply@example.com>" or no-reply@example.com');
  return sender;
}

/** The file of a `sqlite:PATH` database URL (`sqlite:///abs` is `/abs`), or undefined for another URL. */
export function sqlitePathOf(databaseUrl: string): string | undefined {
  return databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : undefined;
}

/** The longest reminder lead time: 30 days, as far ahead as a lead time is of use. */
export const MAX_REMINDER_MINUTES = 43_200;
/** More lead times than this is a typo, not a plan. */
const MAX_REMINDERS = 10;

/**
 * Reads REMINDER_MINUTES: `none`, or comma-separated whole minutes (1 to 30 days) before an
 * appointment's start, duplicates dropped, earliest reminder first. Throws with what is wrong.
 */
export function parseReminderMinutes(raw: string): number[] {
  if (raw.toLowerCase() === 'none') return [];
  const parts = raw.split(',').map((part) => part.trim());
  const bad = parts.find((part) => !/^\d+$/.test(part) || Number(part) < 1 || Number(part) > MAX_REMINDER_MINUTES);
  if (bad !== undefined) {
    throw new Error(
      `must be "none" or comma-separated whole minutes from 1 to ${MAX_REMINDER_MINUTES} (such as 1440,60), got "${bad}" in "${raw}"`,
    );
  }
  const leads = [...new Set(parts.map(Number))].sort((a, b) => b - a);
  if (leads.length > MAX_REMINDERS) throw new Error(`lists ${leads.length} lead times; at most ${MAX_REMINDERS}`);
  return leads;
}

/** More notice positions than this is a typo, not a plan. */
const MAX_NOTIFY_POSITIONS = 10;
/** A position further back than this is no "nearly your turn". */
export const MAX_NOTIFY_POSITION = 1000;

/**
 * Reads QUEUE_NOTIFY_AHEAD: comma-separated positions (1 is "you're next", N is "N − 1 ahead of you"),
 * duplicates dropped, furthest first. Throws with what is wrong.
 */
export function parseNotifyAhead(raw: string): number[] {
  const parts = raw.split(',').map((part) => part.trim());
  const bad = parts.find((part) => !/^\d+$/.test(part) || Number(part) < 1 || Number(part) > MAX_NOTIFY_POSITION);
  if (bad !== undefined) {
    throw new Error(`must be comma-separated positions from 1 to ${MAX_NOTIFY_POSITION} (such as 3,1), got "${bad}" in "${raw}"`);
  }
  const positions = [...new Set(parts.map(Number))].sort((a, b) => b - a);
  if (positions.length > MAX_NOTIFY_POSITIONS) throw new Error(`lists ${positions.length} positions; at most ${MAX_NOTIFY_POSITIONS}`);
  return positions;
}

const CORS_ORIGIN = /^https?:\/\/[^/\s]+$/;
/** A host name such as `localhost` or `api.internal`: letters, digits, dots and hyphens. */
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * Every variable of the service, validated (README's configuration table and .env.example list them).
 * Reading and checking them is all this does: deriving values is the namespaces' work
 * (`namespaces.ts`), and generating missing secrets happens at bootstrap (`secrets.ts`).
 */
export class Environment {
  @Text('development')
  NODE_ENV!: string;

  @WholeNumber(5000, 0, 65535)
  PORT!: number;

  @Text('0.0.0.0')
  @Rule('host', (value) =>
    isIP(value as string) !== 0 || HOST_NAME.test(value as string) ? undefined : 'must be an IP address or a host name',
  )
  HOST!: string;

  @Expose()
  @Transform(({ value }) => resolve(text(value) ?? './data'))
  DATA_DIR!: string;

  @Text()
  @Rule('databaseUrl', (value) => {
    if (value === undefined) return undefined;
    const sqlitePath = sqlitePathOf(value as string);
    if (sqlitePath !== undefined) return sqlitePath ? undefined : 'needs a file path after sqlite:';
    return urlProblem(value as string, ['postgres:', 'postgresql:']);
  })
  DATABASE_URL?: string;

  @Text()
  @UrlOf('redis:', 'rediss:')
  REDIS_URL?: string;

  @Text('scheduler:')
  REDIS_PREFIX!: string;

  @Text()
  @UrlOf('smtp:', 'smtps:')
  SMTP_URL?: string;

  @Text('Scheduler <no-reply@localhost>')
  @Rule('mailFrom', (value) => problemOf(() => parseMailFrom(value as string)))
  MAIL_FROM!: string;

  @Text()
  @UrlOf('http:', 'https:')
  PUBLIC_URL?: string;

  @WholeNumber(900, 1, 86_400)
  HOLD_TTL_SECONDS!: number;

  @Text('1440,60')
  @Rule('reminderMinutes', (value) => problemOf(() => parseReminderMinutes(value as string)))
  REMINDER_MINUTES!: string;

  @WholeNumber(300, 0, 86_400)
  HOLD_REMINDER_SECONDS!: number;

  @WholeNumber(5, 1, 1_000_000)
  MAX_PENDING_PER_CLIENT!: number;

  @WholeNumber(20, 1, 1000)
  QUEUE_MAX_REMOTE!: number;

  @WholeNumber(10, 1, 1000)
  WEBHOOK_MAX_PER_PROVIDER!: number;

  @Text()
  @Rule('productionSecret', productionSecretProblem)
  JWT_SECRET?: string;

  @Text()
  @Rule('productionSecret', productionSecretProblem)
  ADMIN_API_KEY?: string;

  @Text()
  @Rule('smsUrl', (value) => (value === undefined ? undefined : problemOf(() => parseTwilioUrl(value as string))))
  SMS_URL?: string;

  @Text('https://api.twilio.com')
  @UrlOf('http:', 'https:')
  SMS_API_URL!: string;

  @Text('1')
  @Rule('notifyAhead', (value) => problemOf(() => parseNotifyAhead(value as string)))
  QUEUE_NOTIFY_AHEAD!: string;

  @WholeNumber(2, 1, 1000)
  QUEUE_PRIORITY_STREAK!: number;

  @WholeNumber(10, 1, 3600)
  QUEUE_BOARD_RECHECK_SECONDS!: number;

  @WholeNumber(10, 1, 300)
  OUTBOUND_TIMEOUT_SECONDS!: number;

  @WholeNumber(600, 1, 1_000_000)
  RATE_LIMIT_PER_MINUTE!: number;

  @Expose()
  @Transform(
    ({ value }) =>
      text(value)
        ?.split(',')
        .map((origin) => origin.trim()) ?? [],
  )
  @Rule('corsOrigins', (value) => {
    const bad = (value as string[]).find((origin) => origin !== '*' && !CORS_ORIGIN.test(origin));
    return bad === undefined ? undefined : `must list origins such as https://app.example, got "${bad}"`;
  })
  CORS_ORIGINS!: string[];

  @WholeNumber(0, 0, 10)
  TRUSTED_PROXY_HOPS!: number;

  @Text()
  @Rule('metricsToken', (value, env) => {
    if (value === undefined) return undefined;
    // Sent as `Authorization: Bearer <token>`: a space would split it.
    if (/\s/.test(value as string)) return 'must not contain spaces';
    const short = env.NODE_ENV === 'production' && (value as string).length < MIN_SECRET_LENGTH;
    return short ? `must be at least ${MIN_SECRET_LENGTH} characters in production` : undefined;
  })
  METRICS_TOKEN?: string;

  @Flag(false)
  WEBHOOK_ALLOW_PRIVATE!: boolean;
}

/** Outside production a secret may be anything or unset (then generated); in production it must be set and long. */
function productionSecretProblem(value: unknown, env: Environment): string | undefined {
  if (env.NODE_ENV !== 'production') return undefined;
  if (value === undefined) return 'must be set when NODE_ENV=production';
  return (value as string).length < MIN_SECRET_LENGTH ? `must be at least ${MIN_SECRET_LENGTH} characters in production` : undefined;
}

/**
 * The environment (`.env` merged under the process's own variables) read and checked; variables it
 * does not know are left out. Pure: it reads nothing but `raw` and writes nothing.
 * Throws a ConfigurationError naming every bad variable.
 */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const env = plainToInstance(Environment, raw, { excludeExtraneousValues: true });
  const errors = validateSync(env, { stopAtFirstError: true });
  if (errors.length > 0) {
    const problems = errors.map((error) => `${error.property} ${Object.values(error.constraints ?? {})[0]}`);
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return env;
}
