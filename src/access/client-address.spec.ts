import { clientAddress } from './client-address';

describe(clientAddress.name, () => {
  it.each([
    ['no proxy trusted: the socket, whatever the header says', '10.0.0.9', '6.6.6.6', 0, '10.0.0.9'],
    ['no proxy trusted, no header', '10.0.0.9', undefined, 0, '10.0.0.9'],
    ['one proxy: the address it saw', '10.0.0.9', '203.0.113.7', 1, '203.0.113.7'],
    ['one proxy, a forged entry on the left is ignored', '10.0.0.9', '6.6.6.6, 203.0.113.7', 1, '203.0.113.7'],
    ['two proxies', '10.0.0.9', '6.6.6.6, 203.0.113.7, 10.0.0.5', 2, '203.0.113.7'],
    ['more hops trusted than entries: the leftmost', '10.0.0.9', '203.0.113.7', 3, '203.0.113.7'],
    ['a proxy trusted but no header: the socket', '10.0.0.9', undefined, 1, '10.0.0.9'],
    ['repeated headers', '10.0.0.9', ['6.6.6.6', '203.0.113.7'], 1, '203.0.113.7'],
    ['spaces and empty entries', '10.0.0.9', ' 6.6.6.6 ,, 203.0.113.7 ', 1, '203.0.113.7'],
    ['no socket address', undefined, undefined, 0, 'unknown'],
  ] as const)('%s', (_name, socket, header, hops, expected) => {
    expect(clientAddress(socket, header as string | string[] | undefined, hops)).toBe(expected);
  });
});
