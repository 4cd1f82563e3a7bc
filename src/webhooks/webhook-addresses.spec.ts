import type { LookupAddress } from 'node:dns';
import { AddressRefused, HostResolver, MAX_SYSTEM_LOOKUPS, WebhookAddresses } from './webhook-addresses';

/** A resolver answering from a table, as DNS would at that moment; a name it lacks does not resolve. */
class TableResolver extends HostResolver {
  constructor(readonly table: Record<string, LookupAddress[]>) {
    super();
  }

  override async resolve(host: string): Promise<LookupAddress[]> {
    const addresses = this.table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses;
  }
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

function lookup(sut: WebhookAddresses, host: string, options: { all?: boolean; family?: number }) {
  return new Promise<{ error: Error | null; address: unknown; family?: number }>((resolve) =>
    sut.lookup(host, options, (error, address, family) => resolve({ error, address, family })),
  );
}

/** A resolver whose answers the test gives: each lookup waits until answered (a name server that does not reply). */
class StalledResolver extends HostResolver {
  readonly asked: { host: string; answer: (addresses: LookupAddress[]) => void }[] = [];

  override resolve(host: string): Promise<LookupAddress[]> {
    return new Promise((answer) => this.asked.push({ host, answer }));
  }
}

describe(WebhookAddresses.name, () => {
  const resolver = new TableResolver({
    'hooks.example.com': [v4('93.184.216.34'), v6('2606:2800:220:1:248:1893:25c8:1946')],
    'rebind.example.com': [v4('93.184.216.34')],
    'inside.example.com': [v4('10.1.2.3')],
    'split.example.com': [v4('93.184.216.34'), v4('127.0.0.1')],
    'metadata.example.com': [v4('169.254.169.254')],
    'v6-loopback.example.com': [v6('::1')],
  });
  const strict = new WebhookAddresses({ allowPrivate: false, timeoutMs: 10_000, maxPerOwner: 10 }, resolver);
  const lenient = new WebhookAddresses({ allowPrivate: true, timeoutMs: 10_000, maxPerOwner: 10 }, resolver);

  describe('when subscribing', () => {
    it.each([
      ['https://hooks.example.com/x'],
      ['https://93.184.216.34/x'],
      // Does not resolve now: judged at each call.
      ['https://not-yet.example.com/x'],
    ])('accepts %s', async (url) => {
      await expect(strict.subscribeProblem(new URL(url))).resolves.toBeUndefined();
    });

    it.each([
      ['http://127.0.0.1:8080/x', '127.0.0.1, a loopback address'],
      ['http://10.0.0.8/x', '10.0.0.8, a private address'],
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254, a link-local address'],
      ['http://[::1]/x', '::1, a loopback address'],
      ['http://[::ffff:192.168.0.1]/x', '::ffff:c0a8:1, a private address'],
      ['https://inside.example.com/x', 'inside.example.com resolves to 10.1.2.3, a private address'],
      ['https://split.example.com/x', 'split.example.com resolves to 127.0.0.1, a loopback address'],
      ['https://metadata.example.com/x', 'metadata.example.com resolves to 169.254.169.254, a link-local address'],
      ['https://v6-loopback.example.com/x', 'v6-loopback.example.com resolves to ::1, a loopback address'],
    ])('refuses %s', async (url, problem) => {
      await expect(strict.subscribeProblem(new URL(url))).resolves.toBe(
        `${problem}; webhooks may only call public addresses (WEBHOOK_ALLOW_PRIVATE=true allows others)`,
      );
    });

    it('accepts any address with WEBHOOK_ALLOW_PRIVATE=true', async () => {
      await expect(lenient.subscribeProblem(new URL('http://127.0.0.1:8080/x'))).resolves.toBeUndefined();
      await expect(lenient.subscribeProblem(new URL('https://inside.example.com/x'))).resolves.toBeUndefined();
    });
  });

  describe('at each call', () => {
    it('hands the socket exactly the addresses it judged', async () => {
      await expect(lookup(strict, 'hooks.example.com', { all: true })).resolves.toEqual({
        error: null,
        address: [v4('93.184.216.34'), v6('2606:2800:220:1:248:1893:25c8:1946')],
        family: undefined,
      });
      await expect(lookup(strict, 'hooks.example.com', { family: 6 })).resolves.toEqual({
        error: null,
        address: '2606:2800:220:1:248:1893:25c8:1946',
        family: 6,
      });
    });

    it('refuses a name that leads to a private address now, though it did not when subscribed (DNS rebinding)', async () => {
      await expect(strict.subscribeProblem(new URL('https://rebind.example.com/x'))).resolves.toBeUndefined();
      resolver.table['rebind.example.com'] = [v4('127.0.0.1')];
      const { error } = await lookup(strict, 'rebind.example.com', { all: true });
      expect(error).toBeInstanceOf(AddressRefused);
      expect(error!.message).toBe(
        'Not called: rebind.example.com resolves to 127.0.0.1, a loopback address; webhooks may only call public addresses (WEBHOOK_ALLOW_PRIVATE=true allows others)',
      );
    });

    it('refuses a name with one private address among public ones', async () => {
      expect((await lookup(strict, 'split.example.com', { all: true })).error).toBeInstanceOf(AddressRefused);
    });

    it('passes on a name that does not resolve as the resolver said it', async () => {
      expect((await lookup(strict, 'gone.example.com', {})).error).toMatchObject({ code: 'ENOTFOUND' });
    });

    it('refuses a private IP literal, which is connected to without a lookup', () => {
      expect(() => strict.assertCallable(new URL('http://[::1]:9/x'))).toThrow(AddressRefused);
      expect(() => strict.assertCallable(new URL('http://169.254.169.254/'))).toThrow(AddressRefused);
      expect(() => strict.assertCallable(new URL('http://93.184.216.34/'))).not.toThrow();
      expect(() => lenient.assertCallable(new URL('http://127.0.0.1/'))).not.toThrow();
    });

    it('lets anything through with WEBHOOK_ALLOW_PRIVATE=true', async () => {
      await expect(lookup(lenient, 'inside.example.com', {})).resolves.toEqual({ error: null, address: '10.1.2.3', family: 4 });
    });
  });

  describe('lookups whose name server does not reply', () => {
    it('keeps at most MAX_SYSTEM_LOOKUPS of them at the system resolver, whose threads it shares with mail, texts and files', async () => {
      const stalled = new StalledResolver();
      const sut = new WebhookAddresses({ allowPrivate: false, timeoutMs: 10_000, maxPerOwner: 10 }, stalled);
      const answers = Array.from({ length: MAX_SYSTEM_LOOKUPS + 3 }, (_, i) => lookup(sut, `tarpit${i}.example.com`, { all: true }));
      void sut.subscribeProblem(new URL('https://tarpit-subscribe.example.com/x'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(stalled.asked).toHaveLength(MAX_SYSTEM_LOOKUPS);

      // One answer frees its place: the next waiting lookup is asked, in order.
      stalled.asked[0].answer([v4('93.184.216.34')]);
      await expect(answers[0]).resolves.toMatchObject({ error: null });
      await new Promise((resolve) => setImmediate(resolve));
      expect(stalled.asked.map((asked) => asked.host)).toEqual([
        ...Array.from({ length: MAX_SYSTEM_LOOKUPS }, (_, i) => `tarpit${i}.example.com`),
        `tarpit${MAX_SYSTEM_LOOKUPS}.example.com`,
      ]);
    });
  });
});
