import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Key prefixes say whose a key is, so a lookup touches one table. */
export const PROVIDER_KEY_PREFIX = 'prv_';
export const CLIENT_KEY_PREFIX = 'cli_';

/** 256 random bits, shown once; only its SHA-256 is stored. */
export function generateApiKey(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** The SHA-256 of a key: what is stored (as hex), and what the administrator's key is compared by. */
export function apiKeyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function hashApiKey(key: string): string {
  return apiKeyDigest(key).toString('hex');
}

/** Constant-time comparison of two secrets of any length (their digests are compared). */
export function secretsEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
