import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

/** Longest URL a webhook may have. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Why a webhook may not call this IP address, or null when it may: only public unicast addresses are
 * allowed. Loopback, RFC 1918, CGNAT, link-local (with 169.254.169.254, the cloud metadata address),
 * unique-local, multicast, broadcast, 0.0.0.0/8, the documentation and other reserved ranges, and
 * IPv6 forms that carry an IPv4 address (mapped, IPv4-compatible, NAT64, 6to4, Teredo) are all
 * refused: the mapped form is judged by the IPv4 address it maps, and the others are refused whole,
 * since where they lead depends on a gateway or tunnel.
 */
export function refusedAddressRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === 'unicast' && parsed.kind() === 'ipv6' && isIPv4Compatible(parsed as ipaddr.IPv6)) return 'ipv4Compatible';
  return range === 'unicast' ? null : range;
}

/** ::/96 (RFC 4291's deprecated IPv4-compatible form), which ipaddr.js calls unicast; an automatic tunnel (sit) leads it to the IPv4 address. */
function isIPv4Compatible(address: ipaddr.IPv6): boolean {
  return address.parts.slice(0, 6).every((part) => part === 0);
}

const RANGE_NAMES: Record<string, string> = {
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  uniqueLocal: 'unique-local',
  rfc6052: 'NAT64',
  ipv4Compatible: 'IPv4-compatible',
  rfc6145: 'IPv4-translated',
  '6to4': '6to4',
  teredo: 'Teredo',
};

/** A refused range as a sentence names it ("link-local", "private", "loopback"). */
export function rangeName(range: string): string {
  return RANGE_NAMES[range] ?? range;
}

/** A URL's host as an address or name: IPv6 literals lose their brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The host, when it is an IP literal (which is connected to without a DNS lookup). */
export function literalAddressOf(url: URL): string | null {
  const host = hostOf(url);
  return isIP(host) === 0 ? null : host;
}

/** What is wrong with a webhook URL's form (not its address), or undefined: http or https, at most 2048 characters. */
export function webhookUrlFormProblem(raw: string): string | undefined {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return `url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute URL such as https://hooks.example.com/scheduler';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must start with http:// or https://';
  if (!url.hostname) return 'url must name a host';
  return undefined;
}
