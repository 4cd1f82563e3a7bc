/**
 * The caller's address, for counting anonymous requests. With `trustedHops` proxies in front (each
 * appending to X-Forwarded-For), the address the nearest trusted proxy saw is the client's; anything
 * further left was written by the client and proves nothing. With none, the socket's address.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  if (trustedHops <= 0 || !forwardedFor) return socketAddress ?? 'unknown';
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  // The socket's peer is the last proxy; the list's last entries are what the trusted proxies saw.
  const index = hops.length - trustedHops;
  return index >= 0 ? hops[index] : (hops[0] ?? socketAddress ?? 'unknown');
}
