import { createHmac, randomBytes } from 'node:crypto';

/** A Standard Webhooks secret: this prefix, then the base64 of the HMAC key. */
export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(random: Buffer = randomBytes(SECRET_BYTES)): string {
  return `${SECRET_PREFIX}${random.toString('base64')}`;
}

/**
 * The `webhook-signature` header value, the Standard Webhooks way: `v1,` + base64 of HMAC-SHA256 over
 * `{id}.{timestamp}.{body}`, keyed with the base64-decoded part of the secret after `whsec_`.
 * Hand-written (four lines): the `standardwebhooks` package would bring its base64 and timing helpers for one HMAC.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  const digest = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}
