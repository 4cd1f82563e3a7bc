import { ConfigType } from '@nestjs/config';
import { accessConfig, DatabaseConfig, httpConfig, mailConfig, redisConfig, smsConfig } from './config/namespaces';
import { DOCS_PATH } from './common/api-paths';

export interface BannerSettings {
  database: DatabaseConfig;
  redis: ConfigType<typeof redisConfig>;
  mail: ConfigType<typeof mailConfig>;
  sms: ConfigType<typeof smsConfig>;
  http: ConfigType<typeof httpConfig>;
  access: ConfigType<typeof accessConfig>;
}

/** `host:port` of a URL, without the user, password or anything after. */
function hostOf(url: string, defaultPort: number): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || defaultPort}`;
}

/**
 * What the started service runs on, logged once it listens: which database, hold store and transports
 * are active, where the docs are and where the administrator's key is kept. Never a password, token
 * or key: hosts, paths and names only.
 */
export function startupBanner({ database, redis, mail, sms, http, access }: BannerSettings): string[] {
  const databaseLine =
    database.kind === 'sqlite'
      ? `SQLite at ${database.path}`
      : `PostgreSQL at ${hostOf(database.url, 5432)}, database ${decodeURIComponent(new URL(database.url).pathname.slice(1)) || '(default)'}`;
  return [
    `Database: ${databaseLine}`,
    `Hold store: ${redis.url ? `Redis at ${hostOf(redis.url, 6379)}, keys under ${redis.prefix}` : 'in process (holds are lost on restart)'}`,
    `Mail: ${mail.smtpUrl ? `SMTP via ${hostOf(mail.smtpUrl, mail.smtpUrl.startsWith('smtps:') ? 465 : 587)}` : `written to ${mail.outboxDir}`}`,
    `Text messages: ${sms.account ? `Twilio via ${sms.apiUrl}` : `written to ${sms.outboxDir}`}`,
    `Docs: ${http.publicUrl}${DOCS_PATH}`,
    `Administrator key: kept in ${access.adminApiKeySource}`,
  ];
}
