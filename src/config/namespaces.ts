import { getConfigToken } from '@nestjs/config';
import { join, resolve } from 'node:path';
import { Environment, parseMailFrom, parseNotifyAhead, parseReminderMinutes, parseTwilioUrl, sqlitePathOf } from './environment';
import { Secrets } from './secrets';

type Build<T> = (env: Environment, secrets: Secrets) => T;

/** A settings namespace: its builder, carrying the token it is injected by. */
export type ConfigNamespace<T = unknown> = Build<T> & { KEY: string };

/**
 * What one part of the app reads, derived from the validated environment and the secrets. Injected as
 * `@Inject(mailConfig.KEY) config: ConfigType<typeof mailConfig>`, the token and type @nestjs/config's
 * `registerAs('mail', …)` gives; not registerAs itself, whose factories take no argument and so read
 * process.env, where the settings a test passes to `AppModule.register()` are not.
 */
function namespace<F extends Build<object>>(name: string, build: F): F & { KEY: string } {
  return Object.assign(build, { KEY: getConfigToken(name) });
}

const withoutTrailingSlashes = (url: string) => url.replace(/\/+$/, '');

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export const databaseConfig = namespace('database', (env): DatabaseConfig => {
  const url = env.DATABASE_URL ?? `sqlite:${join(env.DATA_DIR, 'scheduler.sqlite')}`;
  const path = sqlitePathOf(url);
  if (path === undefined) return { kind: 'postgres', url };
  return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
});

export const redisConfig = namespace('redis', (env) => ({
  /** Unset: every store is in process. */
  url: env.REDIS_URL,
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  prefix: env.REDIS_PREFIX,
}));

export const httpConfig = namespace('http', (env) => ({
  /** The address to listen on: 0.0.0.0 is every IPv4 interface. */
  host: env.HOST,
  port: env.PORT,
  /** Base of the links in emails. */
  publicUrl: withoutTrailingSlashes(env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`),
  /** Origins allowed to call from a browser; empty: CORS off. */
  corsOrigins: env.CORS_ORIGINS,
  /** How many proxies in front append to X-Forwarded-For and are trusted to (0: use the socket address). */
  trustedProxyHops: env.TRUSTED_PROXY_HOPS,
}));

export const mailConfig = namespace('mail', (env) => ({
  /** Unset: messages are written to `outboxDir`. */
  smtpUrl: env.SMTP_URL,
  /** The sender, `{ name, address }` (name empty for a bare address). */
  from: parseMailFrom(env.MAIL_FROM),
  outboxDir: join(env.DATA_DIR, 'outbox'),
  /** Whether the validation link may be logged: only in the developer's outbox mode. */
  logLinks: !env.SMTP_URL,
  /** The whole time one call to the mail server may take, connection included. */
  outboundTimeoutMs: env.OUTBOUND_TIMEOUT_SECONDS * 1000,
}));

export const smsConfig = namespace('sms', (env) => ({
  /** The Twilio account of `twilio://SID:TOKEN@FROM`; null (SMS_URL unset): texts are written to `outboxDir`. */
  account: env.SMS_URL === undefined ? null : parseTwilioUrl(env.SMS_URL),
  apiUrl: withoutTrailingSlashes(env.SMS_API_URL),
  outboxDir: join(env.DATA_DIR, 'outbox'),
  /** The whole time one call to the text-message provider may take, connection included. */
  outboundTimeoutMs: env.OUTBOUND_TIMEOUT_SECONDS * 1000,
}));

/** A webhook call's whole deadline, connection included (the contract: a 2xx within 10 s is success). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

export const webhooksConfig = namespace('webhooks', (env) => ({
  /** Whether webhook URLs may point at loopback, private and link-local addresses (tests, a LAN). */
  allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
  timeoutMs: WEBHOOK_TIMEOUT_MS,
  /**
   * Subscriptions per provider (and the administrator's for every provider): each event writes one
   * call per subscription in the change's transaction, so the fan-out of a booking stays bounded.
   */
  maxPerOwner: env.WEBHOOK_MAX_PER_PROVIDER,
}));

export const deliveryConfig = namespace('delivery', (env) => ({
  /** Emails and texts one process sends at once. */
  concurrency: 8,
  /** Webhook calls one process makes at once, besides: a receiver that hangs takes none of the places above. */
  webhookConcurrency: 8,
  /** How often an idle worker looks for retries and reminders falling due. */
  pollMs: 1000,
  /**
   * How long a claimed email or text is a worker's: past its send deadline, so only a dead worker loses
   * one (and a killed worker's messages go again soon).
   */
  leaseMs: 2 * env.OUTBOUND_TIMEOUT_SECONDS * 1000 + 5000,
  /** The same for a webhook call, past its own 10 s deadline. */
  webhookLeaseMs: 2 * WEBHOOK_TIMEOUT_MS + 5000,
  /**
   * On shutdown, how long the messages in hand may take before they are handed back: well inside the 3 s
   * the modules get to close (CLOSE_TIMEOUT_MS in src/shutdown.ts), or the process exits before it hands them back.
   */
  shutdownGraceMs: Math.min(1500, env.OUTBOUND_TIMEOUT_SECONDS * 1000),
}));

export const holdsConfig = namespace('holds', (env, secrets) => ({
  ttlSeconds: env.HOLD_TTL_SECONDS,
  /** How long before its expiry a pending hold gets its one reminder email; 0: none. */
  reminderSeconds: env.HOLD_REMINDER_SECONDS,
  /** Pending holds one client may have at once, across providers. */
  maxPendingPerClient: env.MAX_PENDING_PER_CLIENT,
  /** How often each process marks the lapsed holds expired (a cheap indexed query). */
  sweepIntervalMs: 5000,
  /** Most appointments one sweep marks; a full batch is followed by another at once. */
  sweepBatchSize: 100,
  /** HS256 key of the hold tokens. */
  jwtSecret: secrets.jwtSecret,
}));

export const queueJoinConfig = namespace('queueJoin', (env) => ({
  /** Remote entries (joined from a link) that may wait in one provider's queue at once. */
  maxRemote: env.QUEUE_MAX_REMOTE,
  /** How long a join link may wait for its button to be pressed. */
  linkTtlSeconds: 30 * 60,
}));

export const remindersConfig = namespace('reminders', (env) => ({
  /** Minutes before a confirmed appointment's start at which its client is reminded, earliest first; empty: none. */
  leadMinutes: parseReminderMinutes(env.REMINDER_MINUTES),
}));

export const queueConfig = namespace('queue', (env) => ({
  /** Positions at which a waiting client is told where they stand (1: "you're next"), furthest first. */
  notifyAhead: parseNotifyAhead(env.QUEUE_NOTIFY_AHEAD),
  /** Most priority calls in a row while a non-priority entry waits. */
  priorityStreak: env.QUEUE_PRIORITY_STREAK,
  /** How often an open display-board stream checks its key, so a revoked link's stream ends with no change to wait for. */
  boardRecheckMs: env.QUEUE_BOARD_RECHECK_SECONDS * 1000,
}));

export const accessConfig = namespace('access', (env, secrets) => ({
  adminApiKey: secrets.adminApiKey,
  /** Where the administrator's key is kept, for the start-up banner (never the key itself). */
  adminApiKeySource: env.ADMIN_API_KEY === undefined ? join(env.DATA_DIR, 'secrets.json') : 'the ADMIN_API_KEY setting',
  rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
  /** A bearer token that may read /api/metrics besides the administrator's key; undefined: none. */
  metricsToken: env.METRICS_TOKEN,
}));

export const logConfig = namespace('log', (env) => ({
  /** One JSON object a line (pino) in production; readable lines elsewhere. */
  json: env.NODE_ENV === 'production',
}));

export const CONFIG_NAMESPACES: ConfigNamespace[] = [
  databaseConfig,
  redisConfig,
  httpConfig,
  mailConfig,
  smsConfig,
  deliveryConfig,
  webhooksConfig,
  holdsConfig,
  queueJoinConfig,
  remindersConfig,
  queueConfig,
  accessConfig,
  logConfig,
];
