import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createClient } from 'redis';

/*
 * Fresh storage for one e2e spec file or one bench run, and its removal. No Jest here: `npm run bench`
 * uses it too.
 */

export type BackendKind = 'embedded' | 'services';

/** Settings that point one or more app instances at the same fresh storage. */
export interface TestBackend {
  kind: BackendKind;
  env: Record<string, string | undefined>;
  /** Removes everything the backend created; tries every step, then throws if one failed. */
  dispose(): Promise<void>;
}

export interface ServicesBackend extends TestBackend {
  kind: 'services';
  /** The PostgreSQL database created for this backend. */
  database: string;
  redisPrefix: string;
  dataDir: string;
  /** dispose(), answering how many Redis keys it deleted. */
  disposeCounting(): Promise<{ deletedKeys: number }>;
}

export interface ServicesBackendOptions {
  /** Names what the storage is for: the database is scheduler_<label>_<random>, the Redis prefix <label>:<random>:. */
  label: string;
  /** A PostgreSQL server URL on which a database may be created (its own path is ignored). */
  serverUrl: string;
  redisUrl: string;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** Settings every fresh backend shares: its own data folder and secrets, and no outside mail server. */
function commonEnv(label: string, suffix: string, dataDir: string): Record<string, string | undefined> {
  return {
    DATA_DIR: dataDir,
    JWT_SECRET: `${label}-secret-${suffix}-0123456789abcdef`,
    ADMIN_API_KEY: `${label}-admin-${suffix}-0123456789abcdef`,
    SMTP_URL: undefined,
    // Runs that are not about rate limits must not meet them; the rate-limit specs set their own.
    RATE_LIMIT_PER_MINUTE: '1000000',
    // Nor the cap on a client's pending holds (load specs hold many per client); booking-rules sets its own.
    MAX_PENDING_PER_CLIENT: '1000000',
  };
}

/** A new SQLite file in a new folder, with the in-process hold store. */
export function createEmbeddedBackend(label = 'e2e'): TestBackend {
  const suffix = randomBytes(6).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), `scheduler-${label}-`));
  return {
    kind: 'embedded',
    env: { ...commonEnv(label, suffix, dataDir), DATABASE_URL: `sqlite:${join(dataDir, 'scheduler.sqlite')}`, REDIS_URL: undefined },
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/**
 * A new PostgreSQL database and a Redis key prefix of its own (so runs sharing one Redis never see each
 * other's holds), with a data folder for the outbox.
 */
export async function createServicesBackend(options: ServicesBackendOptions): Promise<ServicesBackend> {
  const suffix = randomBytes(6).toString('hex');
  const database = `scheduler_${options.label}_${suffix}`;
  const redisPrefix = `${options.label}:${suffix}:`;
  await withServer(options.serverUrl, (admin) => admin.query(`CREATE DATABASE "${database}"`));
  const dataDir = mkdtempSync(join(tmpdir(), `scheduler-${options.label}-`));
  const databaseUrl = new URL(options.serverUrl);
  databaseUrl.pathname = `/${database}`;

  const disposeCounting = async () => {
    const failures: string[] = [];
    await withServer(options.serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).catch(
      (error: Error) => failures.push(`drop database ${database}: ${error.message}`),
    );
    const deletedKeys = await deleteKeys(options.redisUrl, redisPrefix).catch((error: Error) => {
      failures.push(`delete Redis keys under ${redisPrefix}: ${error.message}`);
      return 0;
    });
    rmSync(dataDir, { recursive: true, force: true });
    if (failures.length > 0) throw new Error(`could not clean up: ${failures.join('; ')}`);
    return { deletedKeys };
  };
  return {
    kind: 'services',
    database,
    redisPrefix,
    dataDir,
    env: {
      ...commonEnv(options.label, suffix, dataDir),
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: redisPrefix,
    },
    disposeCounting,
    dispose: async () => {
      await disposeCounting();
    },
  };
}

async function withServer<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Deletes every key under `prefix`, in batches (a bench run leaves thousands). */
async function deleteKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = createClient({ url: redisUrl, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false } });
  redis.on('error', () => undefined);
  await redis.connect();
  let deleted = 0;
  try {
    let batch: string[] = [];
    for await (const item of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      // node-redis 4 yields one key at a time, 5 an array of them.
      batch.push(...(Array.isArray(item) ? item : [item]));
      if (batch.length >= 500) {
        deleted += await redis.del(batch);
        batch = [];
      }
    }
    if (batch.length > 0) deleted += await redis.del(batch);
  } finally {
    await redis.quit().catch(() => redis.disconnect().catch(() => undefined));
  }
  return deleted;
}
