import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { LookupAddress, promises as dns } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { webhooksConfig } from '../config/namespaces';
import { hostOf, literalAddressOf, rangeName, refusedAddressRange } from './webhook-address';

/** How long a subscription waits for its host name to resolve; past it the name counts as not resolving. */
const SUBSCRIBE_LOOKUP_MS = 5000;

/**
 * Most lookups of webhook host names at the system resolver at once. getaddrinfo runs on libuv's
 * thread pool (4 threads), shared with the mail and text hosts' lookups and file access, and a lookup
 * cannot be cancelled: a name whose server never replies holds its thread for the resolver's whole
 * timeout, whatever the call's deadline. Anyone may subscribe such a name, so they get two threads at most.
 */
export const MAX_SYSTEM_LOOKUPS = 2;

/** The system resolver (so /etc/hosts counts), every address of a name: an injectable outside effect. */
@Injectable()
export class HostResolver {
  resolve(host: string): Promise<LookupAddress[]> {
    return dns.lookup(host, { all: true, verbatim: true });
  }
}

/** A webhook call refused because of where its host leads. */
export class AddressRefused extends Error {
  override name = 'AddressRefused';
}

/**
 * Where a webhook may call (contract: "Webhooks"). Checked when subscribing, and again on every call
 * on the very addresses the connection then uses: `lookup` is handed to node:http, so the socket
 * connects only to an address this class resolved and judged, and a name re-pointed at a private
 * address after subscribing (DNS rebinding) is refused at the call.
 */
@Injectable()
export class WebhookAddresses {
  private lookupsRunning = 0;
  private readonly waitingForLookup: (() => void)[] = [];

  constructor(
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
    private readonly resolver: HostResolver,
  ) {}

  /**
   * Why this URL may not be subscribed, or undefined. An IP literal is judged as it is; a name by every
   * address it resolves to now; a name that does not resolve (or not within 5 s) is accepted, and
   * judged at each call.
   */
  async subscribeProblem(url: URL): Promise<string | undefined> {
    if (this.config.allowPrivate) return undefined;
    const literal = literalAddressOf(url);
    if (literal !== null) return this.problemOf(literal);
    let timer: NodeJS.Timeout | undefined;
    const addresses = await Promise.race([
      this.resolve(hostOf(url)).catch(() => []),
      new Promise<LookupAddress[]>((resolve) => (timer = setTimeout(() => resolve([]), SUBSCRIBE_LOOKUP_MS))),
    ]).finally(() => clearTimeout(timer));
    for (const { address } of addresses) {
      const problem = this.problemOf(address, hostOf(url));
      if (problem) return problem;
    }
    return undefined;
  }

  /** Before a call: an IP literal is connected to without a lookup, so it is judged here. */
  assertCallable(url: URL): void {
    const literal = literalAddressOf(url);
    if (literal === null || this.config.allowPrivate) return;
    const problem = this.problemOf(literal);
    if (problem) throw new AddressRefused(`Not called: ${problem}`);
  }

  /**
   * The `lookup` of a webhook call's socket: every address of the name is judged, and the connection
   * is given only those; one refused address refuses the call (a name that also leads inside is not
   * called at all).
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const answer = callback;
    this.resolve(hostname).then(
      (resolved) => {
        const addresses = options.family === 4 || options.family === 6 ? resolved.filter((a) => a.family === options.family) : resolved;
        if (addresses.length === 0) return answer(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        if (!this.config.allowPrivate) {
          for (const { address } of addresses) {
            const problem = this.problemOf(address, hostname);
            if (problem) return answer(new AddressRefused(`Not called: ${problem}`), '');
          }
        }
        if (options.all) return answer(null, addresses);
        answer(null, addresses[0].address, addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => answer(error, ''),
    );
  };

  /**
   * The system resolver's answer, with at most MAX_SYSTEM_LOOKUPS asked at once; the others wait
   * their turn, in order, up to the call's deadline (then fail as a lookup that timed out).
   */
  private async resolve(host: string): Promise<LookupAddress[]> {
    await this.lookupPlace(host);
    try {
      return await this.resolver.resolve(host);
    } finally {
      // The place goes straight to the next in line, so that no newcomer slips in between.
      const next = this.waitingForLookup.shift();
      if (next) next();
      else this.lookupsRunning--;
    }
  }

  private lookupPlace(host: string): Promise<void> {
    if (this.lookupsRunning < MAX_SYSTEM_LOOKUPS) {
      this.lookupsRunning++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const handedOver = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waitingForLookup.splice(this.waitingForLookup.indexOf(handedOver), 1);
        reject(Object.assign(new Error(`Looking up ${host} waited past the deadline`), { code: 'ETIMEOUT' }));
      }, this.config.timeoutMs);
      // The call it serves keeps the process alive; a wait alone should not.
      timer.unref();
      this.waitingForLookup.push(handedOver);
    });
  }

  private problemOf(address: string, name?: string): string | undefined {
    const range = refusedAddressRange(address);
    if (range === null) return undefined;
    const where = name === undefined ? address : `${name} resolves to ${address}`;
    return `${where}, a ${rangeName(range)} address; webhooks may only call public addresses (WEBHOOK_ALLOW_PRIVATE=true allows others)`;
  }
}
