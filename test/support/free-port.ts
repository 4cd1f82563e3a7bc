import { AddressInfo, createServer } from 'node:net';

/**
 * A loopback port free right now, so a URL (PUBLIC_URL, the emailed links) can name it before the
 * server that will take it listens.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
