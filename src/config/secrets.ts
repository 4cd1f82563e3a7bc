import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Environment } from './environment';

/** The two secrets every app needs: the hold tokens' HS256 key and the administrator's API key. */
export interface Secrets {
  jwtSecret: string;
  adminApiKey: string;
}

export const SECRETS = Symbol('SECRETS');

/**
 * JWT_SECRET and ADMIN_API_KEY as the environment sets them. One it leaves unset (a bare machine) is
 * generated on the first start and kept owner-only in DATA_DIR/secrets.json, and the admin key is printed
 * that once, to whoever started the service. Runs at bootstrap, after validation, which has already
 * refused a missing secret in production: there nothing is generated.
 */
export function loadOrCreateSecrets(env: Pick<Environment, 'DATA_DIR' | 'JWT_SECRET' | 'ADMIN_API_KEY'>): Secrets {
  if (env.JWT_SECRET !== undefined && env.ADMIN_API_KEY !== undefined) {
    return { jwtSecret: env.JWT_SECRET, adminApiKey: env.ADMIN_API_KEY };
  }
  const file = join(env.DATA_DIR, 'secrets.json');
  const stored = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Partial<Secrets>;
  // Only what the environment does not set is generated, and only that is kept: a secret from the
  // environment is never written to disk.
  const missing = (['jwtSecret', 'adminApiKey'] as const).filter(
    (key) => (key === 'jwtSecret' ? env.JWT_SECRET : env.ADMIN_API_KEY) === undefined && !stored[key],
  );
  for (const key of missing) stored[key] = randomBytes(32).toString('base64url');
  if (missing.length > 0) {
    mkdirSync(env.DATA_DIR, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
    if (missing.includes('adminApiKey')) {
      process.stdout.write(`Generated ADMIN_API_KEY (kept in ${file}): ${stored.adminApiKey}\n`);
    }
  }
  return { jwtSecret: env.JWT_SECRET ?? stored.jwtSecret!, adminApiKey: env.ADMIN_API_KEY ?? stored.adminApiKey! };
}
