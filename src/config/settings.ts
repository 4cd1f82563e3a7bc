import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type DatabaseSettings = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Settings {
  nodeEnv: string;
  port: number;
  dataDir: string;
  database: DatabaseSettings;
  redisUrl?: string;
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  smtpUrl?: string;
  mailFrom: string;
  publicUrl: string;
  holdTtlSeconds: number;
  jwtSecret: string;
  adminApiKey: string;
  smsUrl?: string;
  smsApiUrl: string;
  /** The whole time one call to the mail server or the text-message provider may take, connection included. */
  outboundTimeoutMs: number;
  rateLimitPerMinute: number;
  /** How many proxies in front append to X-Forwarded-For and are trusted to (0: use the socket address). */
  trustedProxyHops: number;
  /** Origins allowed to call from a browser; empty: CORS off. */
  corsOrigins: string[];
  /** Whether the validation link may be logged: only in the developer's outbox mode. */
  logLinks: boolean;
}

export class SettingsError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'SettingsError';
  }
}

type Env = Record<string, string | undefined>;

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new SettingsError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new SettingsError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new SettingsError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new SettingsError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function database(env: Env, dataDir: string): DatabaseSettings {
  const raw = optional(env, 'DATABASE_URL') ?? `sqlite:${join(dataDir, 'scheduler.sqlite')}`;
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new SettingsError('DATABASE_URL', 'needs a file path after sqlite:');
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  const postgres = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  if (!postgres) throw new SettingsError('DATABASE_URL', 'must be postgres://… or sqlite:PATH');
  return { kind: 'postgres', url: postgres };
}

function corsOrigins(env: Env): string[] {
  const raw = optional(env, 'CORS_ORIGINS');
  if (!raw) return [];
  return raw.split(',').map((origin) => {
    const trimmed = origin.trim();
    if (trimmed !== '*' && !/^https?:\/\/[^/\s]+$/.test(trimmed)) {
      throw new SettingsError('CORS_ORIGINS', `must list origins such as https://app.example, got "${trimmed}"`);
    }
    return trimmed;
  });
}

interface StoredSecrets {
  jwtSecret?: string;
  adminApiKey?: string;
}

/** Secrets a bare machine needs: generated once, kept owner-only in the data folder. */
function loadOrCreateSecrets(dataDir: string, needed: (keyof StoredSecrets)[]): StoredSecrets {
  if (needed.length === 0) return {};
  const file = join(dataDir, 'secrets.json');
  const stored: StoredSecrets = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StoredSecrets) : {};
  let changed = false;
  const createdAdminKey = !stored.adminApiKey;
  for (const key of needed) {
    if (!stored[key]) {
      stored[key] = randomBytes(32).toString('base64url');
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
    if (needed.includes('adminApiKey') && createdAdminKey) {
      // Printed this once, to the terminal of whoever started the service; it is kept in the file.
      process.stdout.write(`Generated ADMIN_API_KEY (kept in ${file}): ${stored.adminApiKey}\n`);
    }
  }
  return stored;
}

const MIN_SECRET_LENGTH = 32;

export function loadSettings(env: Env): Settings {
  const nodeEnv = optional(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const port = integer(env, 'PORT', 5000, 0, 65535);
  const dataDir = resolve(optional(env, 'DATA_DIR') ?? './data');
  const jwtSecretFromEnv = optional(env, 'JWT_SECRET');
  const adminKeyFromEnv = optional(env, 'ADMIN_API_KEY');

  for (const [name, value] of [
    ['JWT_SECRET', jwtSecretFromEnv],
    ['ADMIN_API_KEY', adminKeyFromEnv],
  ] as const) {
    if (production && !value) throw new SettingsError(name, 'must be set when NODE_ENV=production');
    if (value !== undefined && value.length < MIN_SECRET_LENGTH && production) {
      throw new SettingsError(name, `must be at least ${MIN_SECRET_LENGTH} characters in production`);
    }
  }

  const missing: (keyof StoredSecrets)[] = [];
  if (!jwtSecretFromEnv) missing.push('jwtSecret');
  if (!adminKeyFromEnv) missing.push('adminApiKey');
  const stored = loadOrCreateSecrets(dataDir, missing);

  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  const publicUrl = (url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  const smsUrl = url(env, 'SMS_URL', ['twilio:']);

  return {
    nodeEnv,
    port,
    dataDir,
    database: database(env, dataDir),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPrefix: optional(env, 'REDIS_PREFIX') ?? 'scheduler:',
    smtpUrl,
    mailFrom: optional(env, 'MAIL_FROM') ?? 'Scheduler <no-reply@localhost>',
    publicUrl,
    holdTtlSeconds: integer(env, 'HOLD_TTL_SECONDS', 900, 1, 86_400),
    jwtSecret: jwtSecretFromEnv ?? stored.jwtSecret!,
    adminApiKey: adminKeyFromEnv ?? stored.adminApiKey!,
    smsUrl,
    smsApiUrl: (url(env, 'SMS_API_URL', ['http:', 'https:']) ?? 'https://api.twilio.com').replace(/\/+$/, ''),
    outboundTimeoutMs: integer(env, 'OUTBOUND_TIMEOUT_SECONDS', 10, 1, 300) * 1000,
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    corsOrigins: corsOrigins(env),
    trustedProxyHops: integer(env, 'TRUSTED_PROXY_HOPS', 0, 0, 10),
    logLinks: !smtpUrl,
  };
}
