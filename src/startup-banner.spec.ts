import { validateEnvironment } from './config/environment';
import { accessConfig, databaseConfig, httpConfig, mailConfig, redisConfig, smsConfig } from './config/namespaces';
import { startupBanner } from './startup-banner';

const SECRETS = { jwtSecret: 'jwt-secret-value-0123456789abcdef', adminApiKey: 'admin-key-value-0123456789abcdef' };

function bannerOf(raw: Record<string, string>): string[] {
  const env = validateEnvironment({ DATA_DIR: '/srv/scheduler', ...raw });
  return startupBanner({
    database: databaseConfig(env),
    redis: redisConfig(env),
    mail: mailConfig(env),
    sms: smsConfig(env),
    http: httpConfig(env),
    access: accessConfig(env, SECRETS),
  });
}

describe(startupBanner.name, () => {
  it('names the embedded defaults: the SQLite file, the in-process store, the outbox folder and the secrets file', () => {
    expect(bannerOf({})).toEqual([
      'Database: SQLite at /srv/scheduler/scheduler.sqlite',
      'Hold store: in process (holds are lost on restart)',
      'Mail: written to /srv/scheduler/outbox',
      'Text messages: written to /srv/scheduler/outbox',
      'Docs: http://127.0.0.1:5000/api/docs',
      'Administrator key: kept in /srv/scheduler/secrets.json',
    ]);
  });

  it('names the hosts of the services, and no password, token or key', () => {
    const banner = bannerOf({
      DATABASE_URL: 'postgres://scheduler:pg-password@db.internal:6543/clinic',
      REDIS_URL: 'redis://:redis-password@cache.internal',
      REDIS_PREFIX: 'clinic:',
      SMTP_URL: 'smtp://mailer:smtp-password@mail.internal:2525',
      SMS_URL: 'twilio://AC0123456789:twilio-auth-token@+14155550100',
      PUBLIC_URL: 'https://scheduler.clinic.example/',
      ADMIN_API_KEY: SECRETS.adminApiKey,
    });
    expect(banner).toEqual([
      'Database: PostgreSQL at db.internal:6543, database clinic',
      'Hold store: Redis at cache.internal:6379, keys under clinic:',
      'Mail: SMTP via mail.internal:2525',
      'Text messages: Twilio via https://api.twilio.com',
      'Docs: https://scheduler.clinic.example/api/docs',
      'Administrator key: kept in the ADMIN_API_KEY setting',
    ]);
    const text = banner.join('\n');
    for (const secret of [
      'pg-password',
      'redis-password',
      'smtp-password',
      'twilio-auth-token',
      '+14155550100',
      'scheduler:',
      'mailer',
      SECRETS.adminApiKey,
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
