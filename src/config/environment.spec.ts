import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigurationError, validateEnvironment } from './environment';
import {
  accessConfig,
  databaseConfig,
  holdsConfig,
  httpConfig,
  logConfig,
  mailConfig,
  queueConfig,
  queueJoinConfig,
  redisConfig,
  remindersConfig,
  smsConfig,
  webhooksConfig,
} from './namespaces';

const LONG_SECRET = 'j'.repeat(32);
const LONG_ADMIN_KEY = 'a'.repeat(40);
const SECRETS = { jwtSecret: 'the-jwt-secret', adminApiKey: 'the-admin-key' };

/** Every namespace the app would get from this environment. */
function configOf(raw: Record<string, string | undefined>) {
  const env = validateEnvironment(raw);
  return {
    database: databaseConfig(env),
    redis: redisConfig(env),
    http: httpConfig(env),
    mail: mailConfig(env),
    sms: smsConfig(env),
    holds: holdsConfig(env, SECRETS),
    queueJoin: queueJoinConfig(env),
    reminders: remindersConfig(env),
    queue: queueConfig(env),
    access: accessConfig(env, SECRETS),
    log: logConfig(env),
    webhooks: webhooksConfig(env),
  };
}

describe(validateEnvironment.name, () => {
  const sut = validateEnvironment;
  const tempDirs: string[] = [];
  const tempDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'scheduler-settings-'));
    tempDirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  const errorOf = (env: Record<string, string | undefined>): unknown => {
    try {
      sut(env);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  describe('defaults', () => {
    it('fill every setting on a bare machine', () => {
      const dataDir = tempDataDir();
      expect(configOf({ DATA_DIR: dataDir })).toEqual({
        database: { kind: 'sqlite', path: join(dataDir, 'scheduler.sqlite') },
        redis: { url: undefined, prefix: 'scheduler:' },
        http: { host: '0.0.0.0', port: 5000, publicUrl: 'http://127.0.0.1:5000', corsOrigins: [], trustedProxyHops: 0 },
        mail: {
          smtpUrl: undefined,
          from: { name: 'Scheduler', address: 'no-reply@localhost' },
          outboxDir: join(dataDir, 'outbox'),
          logLinks: true,
          outboundTimeoutMs: 10_000,
        },
        sms: { account: null, apiUrl: 'https://api.twilio.com', outboxDir: join(dataDir, 'outbox'), outboundTimeoutMs: 10_000 },
        holds: {
          ttlSeconds: 900,
          reminderSeconds: 300,
          maxPendingPerClient: 5,
          sweepIntervalMs: 5000,
          sweepBatchSize: 100,
          jwtSecret: SECRETS.jwtSecret,
        },
        queueJoin: { maxRemote: 20, linkTtlSeconds: 1800 },
        reminders: { leadMinutes: [1440, 60] },
        queue: { notifyAhead: [1], priorityStreak: 2, boardRecheckMs: 10_000 },
        access: {
          adminApiKey: SECRETS.adminApiKey,
          adminApiKeySource: join(dataDir, 'secrets.json'),
          rateLimitPerMinute: 600,
          metricsToken: undefined,
        },
        log: { json: false },
        webhooks: { allowPrivate: false, timeoutMs: 10_000, maxPerOwner: 10 },
      });
      expect(sut({ DATA_DIR: dataDir })).toMatchObject({ NODE_ENV: 'development', JWT_SECRET: undefined, ADMIN_API_KEY: undefined });
    });

    it('read WEBHOOK_ALLOW_PRIVATE as true or false, in any case', () => {
      expect(configOf({ WEBHOOK_ALLOW_PRIVATE: 'TRUE' }).webhooks.allowPrivate).toBe(true);
      expect(configOf({ WEBHOOK_ALLOW_PRIVATE: ' false ' }).webhooks.allowPrivate).toBe(false);
      expect(configOf({ WEBHOOK_ALLOW_PRIVATE: '' }).webhooks.allowPrivate).toBe(false);
    });

    it('read no environment but the one given', () => {
      const saved = process.env.PORT;
      process.env.PORT = '6123';
      try {
        expect(sut({ DATA_DIR: tempDataDir() }).PORT).toBe(5000);
      } finally {
        if (saved === undefined) delete process.env.PORT;
        else process.env.PORT = saved;
      }
    });

    it('keep data in ./data and the database in ./data/scheduler.sqlite', () => {
      const config = configOf({});
      expect(sut({}).DATA_DIR).toBe(resolve('data'));
      expect(config.database).toEqual({ kind: 'sqlite', path: resolve('data', 'scheduler.sqlite') });
    });

    it('are only read: validating writes nothing, not even the secrets it leaves unset', () => {
      const dataDir = join(tempDataDir(), 'not-yet');
      sut({ DATA_DIR: dataDir });
      expect(existsSync(dataDir)).toBe(false);
    });

    it('leave out the variables that are not settings', () => {
      expect(sut({ DATA_DIR: tempDataDir(), HOME: '/root', PATH: '/bin' })).not.toHaveProperty('PATH');
    });

    it.each([
      ['empty', ''],
      ['blank', '   '],
    ])('treat an %s variable as unset', (_name, value) => {
      const config = configOf({
        DATA_DIR: tempDataDir(),
        PORT: value,
        HOLD_TTL_SECONDS: value,
        REMINDER_MINUTES: value,
        HOLD_REMINDER_SECONDS: value,
        MAX_PENDING_PER_CLIENT: value,
        SMTP_URL: value,
        PUBLIC_URL: value,
        REDIS_URL: value,
      });
      expect(config.http).toMatchObject({ port: 5000, publicUrl: 'http://127.0.0.1:5000' });
      expect(config.holds).toMatchObject({ ttlSeconds: 900, reminderSeconds: 300, maxPendingPerClient: 5 });
      expect(config.reminders.leadMinutes).toEqual([1440, 60]);
      expect(config.mail.smtpUrl).toBeUndefined();
      expect(config.redis.url).toBeUndefined();
    });
  });

  describe('bad values', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '65536'],
      ['PORT', '-1'],
      ['PORT', '50.5'],
      ['PORT', '5e3'],
      ['PORT', '0x10'],
      ['HOLD_TTL_SECONDS', '0'],
      ['HOLD_TTL_SECONDS', '86401'],
      ['HOLD_TTL_SECONDS', 'fifteen'],
      ['HOLD_TTL_SECONDS', '-900'],
      ['OUTBOUND_TIMEOUT_SECONDS', '0'],
      ['OUTBOUND_TIMEOUT_SECONDS', '301'],
      ['OUTBOUND_TIMEOUT_SECONDS', '1.5'],
      ['RATE_LIMIT_PER_MINUTE', '0'],
      ['RATE_LIMIT_PER_MINUTE', '1000001'],
      ['RATE_LIMIT_PER_MINUTE', 'many'],
      ['TRUSTED_PROXY_HOPS', '11'],
      ['TRUSTED_PROXY_HOPS', '-1'],
      ['TRUSTED_PROXY_HOPS', 'one'],
      ['DATABASE_URL', 'mysql://x'],
      ['DATABASE_URL', 'http://db.example/x'],
      ['DATABASE_URL', 'not a url'],
      ['DATABASE_URL', 'sqlite:'],
      ['METRICS_TOKEN', 'two words'],
      ['WEBHOOK_ALLOW_PRIVATE', 'yes'],
      ['WEBHOOK_ALLOW_PRIVATE', '1'],
      ['REDIS_URL', 'http://x'],
      ['REDIS_URL', 'localhost:6379'],
      ['REDIS_URL', 'nope'],
      ['SMTP_URL', 'nope'],
      ['SMTP_URL', 'http://mail.example'],
      ['PUBLIC_URL', 'ftp://x'],
      ['PUBLIC_URL', 'example.com'],
      ['PUBLIC_URL', 'nope'],
      ['SMS_URL', 'http://x'],
      ['SMS_URL', 'nonsense'],
      ['SMS_URL', 'twilio://AC123@+14155550100'],
      ['SMS_URL', 'twilio://:secret@+14155550100'],
      ['SMS_URL', 'twilio://AC123:secret@'],
      ['SMS_URL', 'twilio://AC123:secret@+14155550100/extra'],
      ['SMS_URL', 'twilio://AC123:%E0%A4%A@+14155550100'],
      ['MAIL_FROM', 'nobody'],
      ['MAIL_FROM', 'Scheduler'],
      ['MAIL_FROM', 'Scheduler <>'],
      ['MAIL_FROM', 'Scheduler <no-reply@example.com'],
      ['MAIL_FROM', '"Scheduler" <no-reply@example.com>'],
      ['MAIL_FROM', 'a@example.com, b@example.com'],
      ['MAIL_FROM', 'Scheduler <a@example.com>, b@example.com'],
      ['MAIL_FROM', 'Sched<uler <no-reply@example.com>'],
      ['MAIL_FROM', 'Scheduler\r\nBcc: x@example.com <no-reply@example.com>'],
      ['MAIL_FROM', 'no-reply@example.com (Scheduler)'],
      ['MAIL_FROM', 'Team: a@example.com;'],
      ['MAIL_FROM', 'Scheduler <no reply@example.com>'],
      ['MAIL_FROM', 'no-reply@[127.0.0.1]'],
      ['SMS_API_URL', 'ftp://api.example'],
      ['REMINDER_MINUTES', '0'],
      ['REMINDER_MINUTES', '-60'],
      ['REMINDER_MINUTES', '1.5'],
      ['REMINDER_MINUTES', '1e3'],
      ['REMINDER_MINUTES', '60,'],
      ['REMINDER_MINUTES', '60;30'],
      ['REMINDER_MINUTES', 'an hour'],
      ['REMINDER_MINUTES', '43201'],
      ['REMINDER_MINUTES', 'none,60'],
      ['REMINDER_MINUTES', '1,2,3,4,5,6,7,8,9,10,11'],
      ['QUEUE_NOTIFY_AHEAD', '0'],
      ['QUEUE_NOTIFY_AHEAD', '3,'],
      ['QUEUE_NOTIFY_AHEAD', '3;1'],
      ['QUEUE_NOTIFY_AHEAD', '-1'],
      ['QUEUE_NOTIFY_AHEAD', '1.5'],
      ['QUEUE_NOTIFY_AHEAD', 'none'],
      ['QUEUE_NOTIFY_AHEAD', '1001'],
      ['QUEUE_NOTIFY_AHEAD', '1,2,3,4,5,6,7,8,9,10,11'],
      ['QUEUE_PRIORITY_STREAK', '0'],
      ['QUEUE_PRIORITY_STREAK', 'two'],
      ['QUEUE_BOARD_RECHECK_SECONDS', '0'],
      ['QUEUE_BOARD_RECHECK_SECONDS', '3601'],
      ['QUEUE_BOARD_RECHECK_SECONDS', 'ten'],
      ['HOLD_REMINDER_SECONDS', '-1'],
      ['HOLD_REMINDER_SECONDS', '86401'],
      ['HOLD_REMINDER_SECONDS', '5m'],
      ['MAX_PENDING_PER_CLIENT', '0'],
      ['MAX_PENDING_PER_CLIENT', '1000001'],
      ['MAX_PENDING_PER_CLIENT', '-5'],
      ['MAX_PENDING_PER_CLIENT', 'five'],
      ['MAX_PENDING_PER_CLIENT', '5.5'],
      ['QUEUE_MAX_REMOTE', '0'],
      ['QUEUE_MAX_REMOTE', '1001'],
      ['QUEUE_MAX_REMOTE', 'twenty'],
      ['WEBHOOK_MAX_PER_PROVIDER', '0'],
      ['WEBHOOK_MAX_PER_PROVIDER', '1001'],
      ['WEBHOOK_MAX_PER_PROVIDER', 'ten'],
      ['HOST', 'http://0.0.0.0'],
      ['HOST', '127.0.0.1:5000'],
      ['HOST', 'two words'],
      ['HOST', '-bad.example'],
    ])('%s=%j throws a ConfigurationError naming %s', (variable, value) => {
      const error = errorOf({ DATA_DIR: tempDataDir(), [variable]: value });
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain(variable);
    });

    it.each([
      ['PORT', '70000', 'PORT must be between 0 and 65535, got 70000'],
      ['PORT', 'abc', 'PORT must be a whole number, got "abc"'],
      ['PORT', '5e3', 'PORT must be a whole number, got "5e3"'],
      ['HOLD_TTL_SECONDS', '0', 'HOLD_TTL_SECONDS must be between 1 and 86400, got 0'],
      ['TRUSTED_PROXY_HOPS', '11', 'TRUSTED_PROXY_HOPS must be between 0 and 10, got 11'],
      ['DATABASE_URL', 'mysql://x', 'DATABASE_URL must start with postgres:// or postgresql://'],
      ['DATABASE_URL', 'not a url', 'DATABASE_URL is not a valid URL'],
      ['DATABASE_URL', 'sqlite:', 'DATABASE_URL needs a file path after sqlite:'],
      ['REDIS_URL', 'http://x', 'REDIS_URL must start with redis:// or rediss://'],
      ['SMS_URL', 'http://x', 'SMS_URL must start with twilio://'],
      ['SMS_URL', 'nonsense', 'SMS_URL is not a valid URL'],
      ['SMS_URL', 'twilio://AC123@+14155550100', 'SMS_URL must be twilio://ACCOUNT_SID:AUTH_TOKEN@FROM'],
      ['MAIL_FROM', 'Scheduler', 'MAIL_FROM must be an address such as "Scheduler <no-reply@example.com>" or no-reply@example.com'],
      ['HOST', '127.0.0.1:5000', 'HOST must be an IP address or a host name'],
      [
        'REMINDER_MINUTES',
        '1440,0',
        'REMINDER_MINUTES must be "none" or comma-separated whole minutes from 1 to 43200 (such as 1440,60), got "0" in "1440,0"',
      ],
      ['REMINDER_MINUTES', '1,2,3,4,5,6,7,8,9,10,11', 'REMINDER_MINUTES lists 11 lead times; at most 10'],
      ['HOLD_REMINDER_SECONDS', '86401', 'HOLD_REMINDER_SECONDS must be between 0 and 86400, got 86401'],
      ['QUEUE_NOTIFY_AHEAD', '3,0', 'QUEUE_NOTIFY_AHEAD must be comma-separated positions from 1 to 1000 (such as 3,1), got "0" in "3,0"'],
      ['MAX_PENDING_PER_CLIENT', '0', 'MAX_PENDING_PER_CLIENT must be between 1 and 1000000, got 0'],
      ['QUEUE_MAX_REMOTE', '1001', 'QUEUE_MAX_REMOTE must be between 1 and 1000, got 1001'],
    ])('%s=%j says "%s"', (variable, value, message) => {
      expect(() => sut({ DATA_DIR: tempDataDir(), [variable]: value })).toThrow(
        new ConfigurationError(`Invalid configuration: ${message}`),
      );
    });

    it('names every bad variable at once', () => {
      expect(() => sut({ DATA_DIR: tempDataDir(), PORT: '70000', HOLD_TTL_SECONDS: 'soon' })).toThrow(
        'Invalid configuration: PORT must be between 0 and 65535, got 70000; HOLD_TTL_SECONDS must be a whole number, got "soon"',
      );
    });

    it.each([
      ['DATABASE_URL', 'mysql://scheduler:hunter2@db.example/x'],
      ['SMTP_URL', 'http://mailer:hunter2@mail.example'],
      ['SMS_URL', 'https://AC1:hunter2@+14155550100'],
      ['SMS_URL', 'twilio://AC1:hunter2@+14155550100/extra'],
      ['SMS_URL', 'twilio://AC1:hunter2%E0%A4%A@+14155550100'],
    ])('%s: the message does not repeat the URL, which may carry a password', (variable, value) => {
      const error = errorOf({ DATA_DIR: tempDataDir(), [variable]: value }) as Error;
      expect(error.message).toContain(variable);
      expect(error.message).not.toContain('hunter2');
    });
  });

  describe('NODE_ENV=production', () => {
    it.each([
      ['without JWT_SECRET', { ADMIN_API_KEY: LONG_ADMIN_KEY }, 'JWT_SECRET must be set when NODE_ENV=production'],
      ['with a blank JWT_SECRET', { JWT_SECRET: '   ', ADMIN_API_KEY: LONG_ADMIN_KEY }, 'JWT_SECRET must be set when NODE_ENV=production'],
      [
        'with a short JWT_SECRET',
        { JWT_SECRET: 'short', ADMIN_API_KEY: LONG_ADMIN_KEY },
        'JWT_SECRET must be at least 32 characters in production',
      ],
      ['with a 31-character JWT_SECRET', { JWT_SECRET: 'j'.repeat(31), ADMIN_API_KEY: LONG_ADMIN_KEY }, 'JWT_SECRET must be at least 32'],
      ['without ADMIN_API_KEY', { JWT_SECRET: LONG_SECRET }, 'ADMIN_API_KEY must be set when NODE_ENV=production'],
      [
        'with a short ADMIN_API_KEY',
        { JWT_SECRET: LONG_SECRET, ADMIN_API_KEY: 'admin' },
        'ADMIN_API_KEY must be at least 32 characters in production',
      ],
    ])('%s throws a ConfigurationError: "%s"', (_name, env, message) => {
      const dataDir = tempDataDir();
      const error = errorOf({ NODE_ENV: 'production', DATA_DIR: dataDir, ...env }) as Error;
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toContain(message);
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
    });

    it('the message never shows the short secret', () => {
      expect(
        (errorOf({ NODE_ENV: 'production', JWT_SECRET: 'tiny-secret', ADMIN_API_KEY: LONG_ADMIN_KEY }) as Error).message,
      ).not.toContain('tiny-secret');
    });

    it('passes with both secrets of 32 characters or more', () => {
      const env = sut({ NODE_ENV: 'production', DATA_DIR: tempDataDir(), JWT_SECRET: ` ${LONG_SECRET} `, ADMIN_API_KEY: LONG_ADMIN_KEY });
      expect(env).toMatchObject({ NODE_ENV: 'production', JWT_SECRET: LONG_SECRET, ADMIN_API_KEY: LONG_ADMIN_KEY });
    });

    it('a METRICS_TOKEN, when set, must be 32 characters or more', () => {
      const production = { NODE_ENV: 'production', DATA_DIR: tempDataDir(), JWT_SECRET: LONG_SECRET, ADMIN_API_KEY: LONG_ADMIN_KEY };
      expect((errorOf({ ...production, METRICS_TOKEN: 'scrape-me' }) as Error).message).toBe(
        'Invalid configuration: METRICS_TOKEN must be at least 32 characters in production',
      );
      expect(configOf({ ...production, METRICS_TOKEN: 'm'.repeat(32) }).access.metricsToken).toBe('m'.repeat(32));
      expect(configOf(production).log.json).toBe(true);
    });

    it('short secrets are allowed outside production', () => {
      expect(sut({ DATA_DIR: tempDataDir(), JWT_SECRET: 'short', ADMIN_API_KEY: 'admin' })).toMatchObject({
        JWT_SECRET: 'short',
        ADMIN_API_KEY: 'admin',
      });
    });
  });

  describe('values', () => {
    it.each([
      ['0', 0],
      ['1', 1],
      ['5001', 5001],
      [' 8080 ', 8080],
      ['65535', 65535],
    ])('PORT=%j → %i', (value, port) => {
      expect(configOf({ DATA_DIR: tempDataDir(), PORT: value }).http.port).toBe(port);
    });

    it.each([
      [undefined, '0.0.0.0'],
      ['127.0.0.1', '127.0.0.1'],
      [' ::1 ', '::1'],
      ['::', '::'],
      ['localhost', 'localhost'],
      ['api.clinic.internal', 'api.clinic.internal'],
    ])('HOST=%j → listens on %s', (value, host) => {
      expect(configOf({ DATA_DIR: tempDataDir(), HOST: value }).http.host).toBe(host);
    });

    it.each([
      ['1', 1],
      ['60', 60],
      ['86400', 86_400],
    ])('HOLD_TTL_SECONDS=%j → %i', (value, seconds) => {
      expect(configOf({ DATA_DIR: tempDataDir(), HOLD_TTL_SECONDS: value }).holds.ttlSeconds).toBe(seconds);
    });

    it.each([
      [undefined, [1440, 60]],
      ['60', [60]],
      ['60,1440', [1440, 60]],
      [' 1440 , 60 ,15 ', [1440, 60, 15]],
      ['60,60,1440,60', [1440, 60]],
      ['43200,1', [43_200, 1]],
      ['none', []],
      ['NONE', []],
      [' none ', []],
    ])('REMINDER_MINUTES=%j → lead times %j, earliest reminder first, each once', (value, leads) => {
      expect(configOf({ DATA_DIR: tempDataDir(), REMINDER_MINUTES: value }).reminders.leadMinutes).toEqual(leads);
    });

    it.each([
      [undefined, [1]],
      ['3,1', [3, 1]],
      ['1,3', [3, 1]],
      [' 5 , 2,2 ', [5, 2]],
      ['', [1]],
    ])('QUEUE_NOTIFY_AHEAD=%j → positions %j, furthest first, each once', (value, positions) => {
      expect(configOf({ DATA_DIR: tempDataDir(), QUEUE_NOTIFY_AHEAD: value }).queue.notifyAhead).toEqual(positions);
    });

    it('QUEUE_PRIORITY_STREAK defaults to 2', () => {
      expect(configOf({ DATA_DIR: tempDataDir() }).queue.priorityStreak).toBe(2);
      expect(configOf({ DATA_DIR: tempDataDir(), QUEUE_PRIORITY_STREAK: '5' }).queue.priorityStreak).toBe(5);
    });

    it('QUEUE_BOARD_RECHECK_SECONDS defaults to 10 s', () => {
      expect(configOf({ DATA_DIR: tempDataDir() }).queue.boardRecheckMs).toBe(10_000);
      expect(configOf({ DATA_DIR: tempDataDir(), QUEUE_BOARD_RECHECK_SECONDS: '60' }).queue.boardRecheckMs).toBe(60_000);
    });

    it.each([
      [undefined, 300],
      ['0', 0],
      ['30', 30],
      ['86400', 86_400],
    ])('HOLD_REMINDER_SECONDS=%j → %i', (value, seconds) => {
      expect(configOf({ DATA_DIR: tempDataDir(), HOLD_REMINDER_SECONDS: value }).holds.reminderSeconds).toBe(seconds);
    });

    it.each([
      [undefined, 5],
      ['1', 1],
      ['1000000', 1_000_000],
    ])('MAX_PENDING_PER_CLIENT=%j → %i pending holds per client', (value, cap) => {
      expect(configOf({ DATA_DIR: tempDataDir(), MAX_PENDING_PER_CLIENT: value }).holds.maxPendingPerClient).toBe(cap);
    });

    it.each([
      [undefined, 20],
      ['1', 1],
      ['1000', 1000],
    ])('QUEUE_MAX_REMOTE=%j → %i remote entries per queue', (value, cap) => {
      expect(configOf({ DATA_DIR: tempDataDir(), QUEUE_MAX_REMOTE: value }).queueJoin.maxRemote).toBe(cap);
    });

    it.each([
      [undefined, 10],
      ['1', 1],
      ['1000', 1000],
    ])('WEBHOOK_MAX_PER_PROVIDER=%j → %i subscriptions per provider', (value, cap) => {
      expect(configOf({ DATA_DIR: tempDataDir(), WEBHOOK_MAX_PER_PROVIDER: value }).webhooks.maxPerOwner).toBe(cap);
    });

    it.each([
      [undefined, 10_000],
      ['1', 1000],
      ['300', 300_000],
    ])('OUTBOUND_TIMEOUT_SECONDS=%j → %i ms for mail and texts', (value, ms) => {
      const config = configOf({ DATA_DIR: tempDataDir(), OUTBOUND_TIMEOUT_SECONDS: value });
      expect(config.mail.outboundTimeoutMs).toBe(ms);
      expect(config.sms.outboundTimeoutMs).toBe(ms);
    });

    it.each([
      [undefined, 600],
      ['1', 1],
      ['1000000', 1_000_000],
    ])('RATE_LIMIT_PER_MINUTE=%j → %i', (value, limit) => {
      expect(configOf({ DATA_DIR: tempDataDir(), RATE_LIMIT_PER_MINUTE: value }).access.rateLimitPerMinute).toBe(limit);
    });

    it.each([
      [undefined, 0],
      ['0', 0],
      ['2', 2],
      ['10', 10],
    ])('TRUSTED_PROXY_HOPS=%j → %i', (value, hops) => {
      expect(configOf({ DATA_DIR: tempDataDir(), TRUSTED_PROXY_HOPS: value }).http.trustedProxyHops).toBe(hops);
    });

    it.each([
      ['sqlite:./db/app.sqlite', resolve('db', 'app.sqlite')],
      ['sqlite:db.sqlite', resolve('db.sqlite')],
      ['sqlite:../elsewhere/db.sqlite', resolve('..', 'elsewhere', 'db.sqlite')],
      ['sqlite:/var/lib/scheduler/db.sqlite', '/var/lib/scheduler/db.sqlite'],
      ['sqlite:///var/lib/scheduler/db.sqlite', '/var/lib/scheduler/db.sqlite'],
      ['sqlite::memory:', ':memory:'],
    ])('DATABASE_URL=%s is SQLite at %s', (value, path) => {
      expect(configOf({ DATA_DIR: tempDataDir(), DATABASE_URL: value }).database).toEqual({ kind: 'sqlite', path });
    });

    it('without DATABASE_URL the SQLite file is in DATA_DIR', () => {
      const dataDir = tempDataDir();
      expect(configOf({ DATA_DIR: dataDir }).database).toEqual({ kind: 'sqlite', path: join(dataDir, 'scheduler.sqlite') });
    });

    it('DATA_DIR is made absolute', () => {
      expect(sut({ DATA_DIR: 'var/scheduler' }).DATA_DIR).toBe(resolve('var', 'scheduler'));
    });

    it.each(['postgres://scheduler:secret@db.example:5432/scheduler', 'postgresql://scheduler@localhost/scheduler?sslmode=require'])(
      'DATABASE_URL=%s is PostgreSQL',
      (value) => {
        expect(configOf({ DATA_DIR: tempDataDir(), DATABASE_URL: value }).database).toEqual({ kind: 'postgres', url: value });
      },
    );

    it.each([
      [{}, 'http://127.0.0.1:5000'],
      [{ PORT: '5001' }, 'http://127.0.0.1:5001'],
      [{ PORT: '8080' }, 'http://127.0.0.1:8080'],
      [{ PUBLIC_URL: 'https://book.example' }, 'https://book.example'],
      [{ PUBLIC_URL: 'https://book.example/' }, 'https://book.example'],
      [{ PUBLIC_URL: 'https://book.example///' }, 'https://book.example'],
      [{ PUBLIC_URL: 'https://book.example/scheduler/' }, 'https://book.example/scheduler'],
      [{ PUBLIC_URL: 'http://localhost:3000/', PORT: '5001' }, 'http://localhost:3000'],
    ])('%j → PUBLIC_URL %s', (env, publicUrl) => {
      expect(configOf({ DATA_DIR: tempDataDir(), ...env }).http.publicUrl).toBe(publicUrl);
    });

    it.each([
      [{}, true],
      [{ SMTP_URL: 'smtp://user:pass@mail.example:587' }, false],
      [{ SMTP_URL: 'smtps://mail.example:465' }, false],
    ])('%j → logLinks %s', (env, logLinks) => {
      expect(configOf({ DATA_DIR: tempDataDir(), ...env }).mail.logLinks).toBe(logLinks);
    });

    it.each([
      ['SMTP_URL', 'smtp://user:pass@mail.example:587', 'mail.smtpUrl'],
      ['REDIS_URL', 'redis://localhost:6379', 'redis.url'],
      ['REDIS_URL', 'rediss://cache.example:6380', 'redis.url'],
      ['REDIS_PREFIX', 'test-run-7:', 'redis.prefix'],
    ])('%s=%s is kept as %s', (variable, value, path) => {
      expect(configOf({ DATA_DIR: tempDataDir(), [variable]: value })).toHaveProperty(path, value);
    });

    it.each([
      ['twilio://AC123:secret@+14155550100', { accountSid: 'AC123', authToken: 'secret', from: '+14155550100' }],
      ['twilio://AC123:secret@%2B14155550100', { accountSid: 'AC123', authToken: 'secret', from: '+14155550100' }],
      ['twilio://AC123:s%40cr%3At@+14155550100', { accountSid: 'AC123', authToken: 's@cr:t', from: '+14155550100' }],
      [' twilio://AC123:secret@MGabc ', { accountSid: 'AC123', authToken: 'secret', from: 'MGabc' }],
      [undefined, null],
      ['', null],
    ])('SMS_URL=%j → sms.account %j', (value, account) => {
      expect(configOf({ DATA_DIR: tempDataDir(), SMS_URL: value }).sms.account).toEqual(account);
    });

    it.each([
      [undefined, { name: 'Scheduler', address: 'no-reply@localhost' }],
      ['Clinic <clinic@example.com>', { name: 'Clinic', address: 'clinic@example.com' }],
      ['Clinic Desk, Inc.   <desk@clinic.example>', { name: 'Clinic Desk, Inc.', address: 'desk@clinic.example' }],
      ['Cabinet Dr Müller <praxis@müller.example>', { name: 'Cabinet Dr Müller', address: 'praxis@müller.example' }],
      ['<desk@clinic.example>', { name: '', address: 'desk@clinic.example' }],
      ['desk@clinic.example', { name: '', address: 'desk@clinic.example' }],
      [' no-reply@localhost ', { name: '', address: 'no-reply@localhost' }],
    ])('MAIL_FROM=%j → mail.from %j', (value, sender) => {
      expect(configOf({ DATA_DIR: tempDataDir(), MAIL_FROM: value }).mail.from).toEqual(sender);
    });

    it('SMS_API_URL loses its trailing slashes', () => {
      expect(configOf({ DATA_DIR: tempDataDir(), SMS_API_URL: 'http://127.0.0.1:4010/' }).sms.apiUrl).toBe('http://127.0.0.1:4010');
    });

    it('the outbox of mail and texts is in DATA_DIR', () => {
      const dataDir = tempDataDir();
      const config = configOf({ DATA_DIR: dataDir });
      expect(config.mail.outboxDir).toBe(join(dataDir, 'outbox'));
      expect(config.sms.outboxDir).toBe(join(dataDir, 'outbox'));
    });
  });

  describe('CORS_ORIGINS', () => {
    it.each([
      [undefined, []],
      ['https://app.example', ['https://app.example']],
      ['https://a.example, http://127.0.0.1:3000', ['https://a.example', 'http://127.0.0.1:3000']],
      ['*', ['*']],
    ])('%s → %j', (raw, expected) => {
      expect(configOf({ DATA_DIR: tempDataDir(), CORS_ORIGINS: raw }).http.corsOrigins).toEqual(expected);
    });

    it.each(['app.example', 'https://app.example/path', 'javascript:alert(1)', 'https://a.example,'])(
      'refuses %s naming the variable',
      (raw) => {
        expect(() => sut({ DATA_DIR: tempDataDir(), CORS_ORIGINS: raw })).toThrow(/Invalid configuration: CORS_ORIGINS must list origins/);
      },
    );
  });
});
