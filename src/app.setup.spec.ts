import { createHttpAdapter } from './app.setup';

describe(createHttpAdapter.name, () => {
  /** The address Fastify gives a request from `socket` carrying `forwardedFor`, with `hops` proxies trusted. */
  async function requestIp(hops: number, socket: string, forwardedFor: string | string[] | undefined): Promise<string> {
    const fastify = createHttpAdapter({ trustedProxyHops: hops }).getInstance();
    fastify.get('/ip', async (request) => ({ ip: request.ip }));
    try {
      const response = await fastify.inject({
        url: '/ip',
        remoteAddress: socket,
        headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      });
      return response.json<{ ip: string }>().ip;
    } finally {
      await fastify.close();
    }
  }

  it.each([
    ['no proxy trusted: the socket, whatever the header says', 0, '10.0.0.9', '6.6.6.6', '10.0.0.9'],
    ['no proxy trusted, no header', 0, '10.0.0.9', undefined, '10.0.0.9'],
    ['one proxy: the address it saw', 1, '10.0.0.9', '203.0.113.7', '203.0.113.7'],
    ['one proxy, a forged entry on the left is ignored', 1, '10.0.0.9', '6.6.6.6, 203.0.113.7', '203.0.113.7'],
    ['two proxies', 2, '10.0.0.9', '6.6.6.6, 203.0.113.7, 10.0.0.5', '203.0.113.7'],
    ['more hops trusted than entries: the leftmost', 3, '10.0.0.9', '203.0.113.7', '203.0.113.7'],
    ['a proxy trusted but no header: the socket', 1, '10.0.0.9', undefined, '10.0.0.9'],
    ['repeated headers', 1, '10.0.0.9', ['6.6.6.6', '203.0.113.7'], '203.0.113.7'],
    ['spaces and empty entries', 1, '10.0.0.9', ' 6.6.6.6 ,, 203.0.113.7 ', '203.0.113.7'],
  ] as const)('%s', async (_name, hops, socket, forwardedFor, expected) => {
    await expect(requestIp(hops, socket, forwardedFor as string | string[] | undefined)).resolves.toBe(expected);
  });
});
