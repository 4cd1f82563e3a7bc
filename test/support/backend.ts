import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createClient } from 'redis';
import { servicesConfigured } from './services-env';

export type BackendKind = 'embedded' | 'services';

/** Settings that point one or more app instances at the same fresh storage. */
export interface TestBackend {
  kind: BackendKind;
  env: Record<string, string | undefined>;
  dispose(): Promise<void>;
}

export function backendKind(): BackendKind {
  return process.env.TEST_BACKEND === 'services' ? 'services' : 'embedded';
}

export { servicesConfigured } from './services-env';

/** `describe`, or `describe.skip` on the services run when PostgreSQL and Redis are not configured. */
export const describeBackend: jest.Describe =
  backendKind() === 'services' && !servicesConfigured() ? describe.skip : describe;

/**
 * A fresh backend for one spec file: a new SQLite file, or a new PostgreSQL database and a Redis key
 * prefix of its own (so runs never see each other's holds).
 */
export async function createBackend(): Promise<TestBackend> {
  const suffix = randomBytes(6).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'scheduler-e2e-'));
  const common = {
    DATA_DIR: dataDir,
    JWT_SECRET: `test-secret-${suffix}-0123456789abcdef`,
    ADMIN_API_KEY: `test-admin-${suffix}-0123456789abcdef`,
    SMTP_URL: undefined,
    // Suites that are not about rate limits must not meet them; the rate-limit spec sets its own.
    RATE_LIMIT_PER_MINUTE: '1000000',
  };

  if (backendKind() === 'embedded') {
    return {
      kind: 'embedded',
      env: { ...common, DATABASE_URL: `sqlite:${join(dataDir, 'scheduler.sqlite')}`, REDIS_URL: undefined },
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }

  const serverUrl = new URL(process.env.DATABASE_URL!);
  const database = `scheduler_e2e_${suffix}`;
  const admin = new Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const databaseUrl = new URL(serverUrl.toString());
  databaseUrl.pathname = `/${database}`;
  const redisPrefix = `e2e:${suffix}:`;

  return {
    kind: 'services',
    env: { ...common, DATABASE_URL: databaseUrl.toString(), REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: redisPrefix },
    dispose: async () => {
      const cleaner = new Client({ connectionString: serverUrl.toString() });
      await cleaner.connect();
      await cleaner.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await cleaner.end();
      const redis = createClient({ url: process.env.REDIS_URL });
      await redis.connect();
      for await (const key of redis.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 500 })) await redis.del(key);
      await redis.quit();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
