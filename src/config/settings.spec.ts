import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SettingsError, loadSettings } from './settings';

const LONG_SECRET = 'j'.repeat(32);
const LONG_ADMIN_KEY = 'a'.repeat(40);

/** What loadSettings printed: it shows a generated admin key to the operator, which a test run must not. */
let printed: string[] = [];
beforeEach(() => {
  printed = [];
  jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
    printed.push(String(chunk));
    return true;
  }) as typeof process.stdout.write);
});
afterEach(() => jest.restoreAllMocks());

describe(loadSettings.name, () => {
  const sut = loadSettings;
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
      const settings = sut({ DATA_DIR: dataDir });
      expect(settings).toEqual({
        nodeEnv: 'development',
        port: 5000,
        dataDir,
        database: { kind: 'sqlite', path: join(dataDir, 'scheduler.sqlite') },
        redisUrl: undefined,
        redisPrefix: 'scheduler:',
        smtpUrl: undefined,
        mailFrom: 'Scheduler <no-reply@localhost>',
        publicUrl: 'http://127.0.0.1:5000',
        holdTtlSeconds: 900,
        jwtSecret: expect.any(String),
        adminApiKey: expect.any(String),
        smsUrl: undefined,
        smsApiUrl: 'https://api.twilio.com',
        outboundTimeoutMs: 10_000,
        rateLimitPerMinute: 600,
        corsOrigins: [],
        trustedProxyHops: 0,
        logLinks: true,
      });
    });

    it('read no environment but the one given', () => {
      const dataDir = tempDataDir();
      const saved = process.env.PORT;
      process.env.PORT = '6123';
      try {
        expect(sut({ DATA_DIR: dataDir }).port).toBe(5000);
      } finally {
        if (saved === undefined) delete process.env.PORT;
        else process.env.PORT = saved;
      }
    });

    it('keep data in ./data and the database in ./data/scheduler.sqlite', () => {
      // secrets come from the environment here, so nothing is written to the working directory
      const settings = sut({ JWT_SECRET: LONG_SECRET, ADMIN_API_KEY: LONG_ADMIN_KEY });
      expect(settings.dataDir).toBe(resolve('data'));
      expect(settings.database).toEqual({ kind: 'sqlite', path: resolve('data', 'scheduler.sqlite') });
    });

    it.each([
      ['empty', ''],
      ['blank', '   '],
    ])('treat an %s variable as unset', (_name, value) => {
      const dataDir = tempDataDir();
      const settings = sut({ DATA_DIR: dataDir, PORT: value, HOLD_TTL_SECONDS: value, SMTP_URL: value, PUBLIC_URL: value, REDIS_URL: value });
      expect(settings).toMatchObject({ port: 5000, holdTtlSeconds: 900, smtpUrl: undefined, publicUrl: 'http://127.0.0.1:5000', redisUrl: undefined });
    });
  });

  describe('generated secrets', () => {
    it('are written to DATA_DIR/secrets.json, owner-only, and match what is returned', () => {
      const dataDir = tempDataDir();
      const settings = sut({ DATA_DIR: dataDir });
      const file = join(dataDir, 'secrets.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ jwtSecret: settings.jwtSecret, adminApiKey: settings.adminApiKey });
    });

    it('print the generated admin key once, naming the file that keeps it', () => {
      const dataDir = tempDataDir();
      const settings = sut({ DATA_DIR: dataDir });
      expect(printed).toEqual([`Generated ADMIN_API_KEY (kept in ${join(dataDir, 'secrets.json')}): ${settings.adminApiKey}\n`]);
      sut({ DATA_DIR: dataDir });
      expect(printed).toHaveLength(1);
    });

    it('are long, random and distinct', () => {
      const first = sut({ DATA_DIR: tempDataDir() });
      const second = sut({ DATA_DIR: tempDataDir() });
      expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(first.adminApiKey.length).toBeGreaterThanOrEqual(32);
      expect(first.jwtSecret).not.toBe(first.adminApiKey);
      expect(second.jwtSecret).not.toBe(first.jwtSecret);
      expect(second.adminApiKey).not.toBe(first.adminApiKey);
    });

    it('are reused on the next start', () => {
      const dataDir = tempDataDir();
      const first = sut({ DATA_DIR: dataDir });
      const before = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
      const second = sut({ DATA_DIR: dataDir });
      expect(second.jwtSecret).toBe(first.jwtSecret);
      expect(second.adminApiKey).toBe(first.adminApiKey);
      expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe(before);
      expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    });

    it('fill in only what is missing from an existing file', () => {
      const dataDir = tempDataDir();
      writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify({ jwtSecret: 'kept-jwt-secret-from-last-time-0123456789' }), { mode: 0o600 });
      const settings = sut({ DATA_DIR: dataDir });
      expect(settings.jwtSecret).toBe('kept-jwt-secret-from-last-time-0123456789');
      expect(settings.adminApiKey.length).toBeGreaterThanOrEqual(32);
      expect(sut({ DATA_DIR: dataDir }).adminApiKey).toBe(settings.adminApiKey);
    });

    it('create a DATA_DIR that does not exist yet', () => {
      const dataDir = join(tempDataDir(), 'nested', 'data');
      const settings = sut({ DATA_DIR: dataDir });
      expect(settings.dataDir).toBe(dataDir);
      expect(statSync(join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    });

    it.each([
      ['JWT_SECRET', { JWT_SECRET: 'env-jwt-secret' }, 'jwtSecret', 'env-jwt-secret', ['adminApiKey']],
      ['ADMIN_API_KEY', { ADMIN_API_KEY: 'env-admin-key' }, 'adminApiKey', 'env-admin-key', ['jwtSecret']],
    ])('take %s from the environment without storing it', (_name, env, key, value, stored) => {
      const dataDir = tempDataDir();
      const settings = sut({ DATA_DIR: dataDir, ...env });
      expect(settings[key as 'jwtSecret' | 'adminApiKey']).toBe(value);
      const file = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
      expect(Object.keys(file)).toEqual(stored);
      expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).not.toContain(value);
    });

    it('are not written at all when both come from the environment', () => {
      const dataDir = tempDataDir();
      sut({ DATA_DIR: dataDir, JWT_SECRET: LONG_SECRET, ADMIN_API_KEY: LONG_ADMIN_KEY });
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
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
      ['HOLD_TTL_SECONDS', '0'],
      ['HOLD_TTL_SECONDS', '86401'],
      ['HOLD_TTL_SECONDS', 'fifteen'],
      ['HOLD_TTL_SECONDS', '-900'],
      ['OUTBOUND_TIMEOUT_SECONDS', '0'],
      ['OUTBOUND_TIMEOUT_SECONDS', '301'],
      ['OUTBOUND_TIMEOUT_SECONDS', '1.5'],
      ['RATE_LIMIT_PER_MINUTE', '0'],
      ['RATE_LIMIT_PER_MINUTE', 'many'],
      ['DATABASE_URL', 'mysql://x'],
      ['DATABASE_URL', 'http://db.example/x'],
      ['DATABASE_URL', 'not a url'],
      ['DATABASE_URL', 'sqlite:'],
      ['REDIS_URL', 'http://x'],
      ['REDIS_URL', 'localhost:6379'],
      ['REDIS_URL', 'nope'],
      ['SMTP_URL', 'nope'],
      ['SMTP_URL', 'http://mail.example'],
      ['PUBLIC_URL', 'ftp://x'],
      ['PUBLIC_URL', 'example.com'],
      ['PUBLIC_URL', 'nope'],
      ['SMS_URL', 'http://x'],
      ['SMS_API_URL', 'ftp://api.example'],
    ])('%s=%j throws a SettingsError naming %s', (variable, value) => {
      const error = errorOf({ DATA_DIR: tempDataDir(), [variable]: value });
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as Error).message).toContain(variable);
    });
  });

  describe('NODE_ENV=production', () => {
    it.each([
      ['without JWT_SECRET', { ADMIN_API_KEY: LONG_ADMIN_KEY }, 'JWT_SECRET'],
      ['with a blank JWT_SECRET', { JWT_SECRET: '   ', ADMIN_API_KEY: LONG_ADMIN_KEY }, 'JWT_SECRET'],
      ['with a short JWT_SECRET', { JWT_SECRET: 'short', ADMIN_API_KEY: LONG_ADMIN_KEY }, 'JWT_SECRET'],
      ['with a 31-character JWT_SECRET', { JWT_SECRET: 'j'.repeat(31), ADMIN_API_KEY: LONG_ADMIN_KEY }, 'JWT_SECRET'],
      ['without ADMIN_API_KEY', { JWT_SECRET: LONG_SECRET }, 'ADMIN_API_KEY'],
      ['with a short ADMIN_API_KEY', { JWT_SECRET: LONG_SECRET, ADMIN_API_KEY: 'admin' }, 'ADMIN_API_KEY'],
    ])('%s throws a SettingsError naming %s', (_name, env, variable) => {
      const dataDir = tempDataDir();
      const error = errorOf({ NODE_ENV: 'production', DATA_DIR: dataDir, ...env });
      expect(error).toBeInstanceOf(SettingsError);
      expect((error as Error).message).toContain(variable);
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
    });

    it('starts with both secrets of 32 characters or more, and generates nothing', () => {
      const dataDir = tempDataDir();
      const settings = sut({ NODE_ENV: 'production', DATA_DIR: dataDir, JWT_SECRET: LONG_SECRET, ADMIN_API_KEY: LONG_ADMIN_KEY });
      expect(settings).toMatchObject({ nodeEnv: 'production', jwtSecret: LONG_SECRET, adminApiKey: LONG_ADMIN_KEY });
      expect(existsSync(join(dataDir, 'secrets.json'))).toBe(false);
    });

    it('short secrets are allowed outside production', () => {
      const settings = sut({ DATA_DIR: tempDataDir(), JWT_SECRET: 'short', ADMIN_API_KEY: 'admin' });
      expect(settings).toMatchObject({ jwtSecret: 'short', adminApiKey: 'admin' });
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
      expect(sut({ DATA_DIR: tempDataDir(), PORT: value }).port).toBe(port);
    });

    it.each([
      ['1', 1],
      ['60', 60],
      ['86400', 86_400],
    ])('HOLD_TTL_SECONDS=%j → %i', (value, seconds) => {
      expect(sut({ DATA_DIR: tempDataDir(), HOLD_TTL_SECONDS: value }).holdTtlSeconds).toBe(seconds);
    });

    it.each([
      [undefined, 10_000],
      ['1', 1000],
      ['300', 300_000],
    ])('OUTBOUND_TIMEOUT_SECONDS=%j → %i ms', (value, ms) => {
      expect(sut({ DATA_DIR: tempDataDir(), OUTBOUND_TIMEOUT_SECONDS: value }).outboundTimeoutMs).toBe(ms);
    });

    it.each([
      ['sqlite:./db/app.sqlite', resolve('db', 'app.sqlite')],
      ['sqlite:db.sqlite', resolve('db.sqlite')],
      ['sqlite:../elsewhere/db.sqlite', resolve('..', 'elsewhere', 'db.sqlite')],
      ['sqlite:/var/lib/scheduler/db.sqlite', '/var/lib/scheduler/db.sqlite'],
      ['sqlite:///var/lib/scheduler/db.sqlite', '/var/lib/scheduler/db.sqlite'],
      ['sqlite::memory:', ':memory:'],
    ])('DATABASE_URL=%s is SQLite at %s', (value, path) => {
      expect(sut({ DATA_DIR: tempDataDir(), DATABASE_URL: value }).database).toEqual({ kind: 'sqlite', path });
    });

    it('without DATABASE_URL the SQLite file is in DATA_DIR', () => {
      const dataDir = tempDataDir();
      expect(sut({ DATA_DIR: dataDir }).database).toEqual({ kind: 'sqlite', path: join(dataDir, 'scheduler.sqlite') });
    });

    it.each([
      'postgres://scheduler:secret@db.example:5432/scheduler',
      'postgresql://scheduler@localhost/scheduler?sslmode=require',
    ])('DATABASE_URL=%s is PostgreSQL', (value) => {
      expect(sut({ DATA_DIR: tempDataDir(), DATABASE_URL: value }).database).toEqual({ kind: 'postgres', url: value });
    });

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
      expect(sut({ DATA_DIR: tempDataDir(), ...env }).publicUrl).toBe(publicUrl);
    });

    it.each([
      [{}, true],
      [{ SMTP_URL: 'smtp://user:pass@mail.example:587' }, false],
      [{ SMTP_URL: 'smtps://mail.example:465' }, false],
    ])('%j → logLinks %s', (env, logLinks) => {
      expect(sut({ DATA_DIR: tempDataDir(), ...env }).logLinks).toBe(logLinks);
    });

    it.each([
      ['SMTP_URL', 'smtp://user:pass@mail.example:587', 'smtpUrl'],
      ['REDIS_URL', 'redis://localhost:6379', 'redisUrl'],
      ['REDIS_URL', 'rediss://cache.example:6380', 'redisUrl'],
      ['SMS_URL', 'twilio://AC123:token@+14155550123', 'smsUrl'],
      ['MAIL_FROM', 'Clinic <clinic@example.com>', 'mailFrom'],
      ['REDIS_PREFIX', 'test-run-7:', 'redisPrefix'],
    ])('%s=%s is kept as %s', (variable, value, key) => {
      expect(sut({ DATA_DIR: tempDataDir(), [variable]: value })).toHaveProperty(key, value);
    });

    it('SMS_API_URL loses its trailing slashes', () => {
      expect(sut({ DATA_DIR: tempDataDir(), SMS_API_URL: 'http://127.0.0.1:4010/' }).smsApiUrl).toBe('http://127.0.0.1:4010');
    });
  });
});

describe('loadSettings CORS_ORIGINS', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'settings-cors-'));

  it.each([
    ['https://app.example', ['https://app.example']],
    ['https://a.example, http://127.0.0.1:3000', ['https://a.example', 'http://127.0.0.1:3000']],
    ['*', ['*']],
  ])('%s → %j', (raw, expected) => {
    expect(loadSettings({ DATA_DIR: dataDir(), CORS_ORIGINS: raw }).corsOrigins).toEqual(expected);
  });

  it.each(['app.example', 'https://app.example/path', 'javascript:alert(1)'])('refuses %s naming the variable', (raw) => {
    expect(() => loadSettings({ DATA_DIR: dataDir(), CORS_ORIGINS: raw })).toThrow(/CORS_ORIGINS/);
  });
});
