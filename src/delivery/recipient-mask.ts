import type { DeliveryChannel } from './outbox-message';

/** What stands for the hidden part: always the same, so it does not tell how much is hidden. */
const HIDDEN = '***';

/**
 * An email address as a list may show it: the first character of a local part of three or more, and
 * the domain (`g***@example.com`); a local part of one or two characters is hidden whole, since its
 * first character would be half of it or all of it.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return HIDDEN;
  const local = Array.from(address.slice(0, at));
  const domain = address.slice(at + 1);
  return `${local.length >= 3 ? local[0] : ''}${HIDDEN}@${domain}`;
}

/**
 * An E.164 number as a list may show it: up to four digits at each end and at least three hidden in
 * the middle (`+14155550123` → `+1415***0123`, `+3361234` → `+33***34`).
 */
export function maskPhone(number: string): string {
  const match = /^\+(\d+)$/.exec(number);
  if (!match) return HIDDEN;
  const digits = match[1];
  const shown = Math.max(0, Math.min(4, Math.floor((digits.length - 3) / 2)));
  return `+${digits.slice(0, shown)}${HIDDEN}${shown > 0 ? digits.slice(-shown) : ''}`;
}

/** A webhook's URL as a list may show it: its host (and port), never its path, query or credentials. */
export function maskUrl(url: string): string {
  try {
    const { host } = new URL(url);
    return host || HIDDEN;
  } catch {
    return HIDDEN;
  }
}

/** The recipient of a message, masked for its channel; anything unexpected is hidden whole. */
export function maskRecipient(channel: DeliveryChannel, recipient: string): string {
  switch (channel) {
    case 'email':
      return maskEmail(recipient);
    case 'sms':
      return maskPhone(recipient);
    case 'webhook':
      return maskUrl(recipient);
    default:
      return HIDDEN;
  }
}
