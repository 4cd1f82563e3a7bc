import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { webhooksConfig } from '../config/namespaces';
import { AddressRefused, WebhookAddresses } from './webhook-addresses';

/** Most characters of a receiver's answer kept (in the delivery's last_error). */
export const RESPONSE_EXCERPT_LENGTH = 200;

/** A call that did not succeed; `retryable` unless trying again cannot help (a refused address). */
export class WebhookCallError extends Error {
  override name = 'WebhookCallError';

  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * The only code that speaks HTTP to webhook receivers: one POST, on a fresh connection to an address
 * WebhookAddresses judged (its `lookup`), under one deadline for the whole exchange. Redirects are
 * not followed (a 3xx is a failure); at most a short excerpt of the answer is read. node:http rather
 * than fetch: fetch takes no `lookup`, and undici's Agent would be a new dependency for the same hook.
 */
@Injectable()
export class WebhookCaller {
  constructor(
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
    private readonly addresses: WebhookAddresses,
  ) {}

  async post(target: string, headers: Record<string, string>, body: string): Promise<void> {
    const url = new URL(target);
    try {
      this.addresses.assertCallable(url);
    } catch (error) {
      throw new WebhookCallError((error as Error).message, false);
    }
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const { status, excerpt } = await new Promise<{ status: number; excerpt: string }>((resolve, reject) => {
      const request = send(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        lookup: this.addresses.lookup,
        // A fresh connection each call: a pooled one could outlive the address check it was made under.
        agent: false,
        signal,
      });
      request.on('error', reject);
      // The deadline holds whatever the exchange does: node:http leaves some answers (a 101) open with no error.
      signal.addEventListener('abort', () => {
        request.destroy();
        reject(new Error('The deadline passed'));
      });
      // A 101 Switching Protocols: node:http hands over the socket and ends nothing, so it is closed here.
      request.on('upgrade', (response: IncomingMessage, socket: Socket) => {
        socket.destroy();
        resolve({ status: response.statusCode ?? 0, excerpt: '' });
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        // A 2xx is all there is to know; another answer is read for a line of why.
        if (status >= 200 && status < 300) {
          response.destroy();
          resolve({ status, excerpt: '' });
        } else {
          void readExcerpt(response).then((excerpt) => resolve({ status, excerpt }));
        }
      });
      request.end(body);
    }).catch((error: unknown) => {
      throw this.failure(error, signal);
    });
    if (status >= 200 && status < 300) return;
    const said = excerpt ? `: ${excerpt}` : '';
    if (status >= 300 && status < 400)
      throw new WebhookCallError(`The receiver answered ${status} (a redirect, not followed)${said}`, true);
    throw new WebhookCallError(`The receiver answered ${status}${said}`, true);
  }

  private failure(error: unknown, signal: AbortSignal): WebhookCallError {
    if (error instanceof WebhookCallError) return error;
    if (error instanceof AddressRefused) return new WebhookCallError(error.message, false);
    if (signal.aborted) return new WebhookCallError(`Timed out: no answer within ${this.config.timeoutMs / 1000} s`, true);
    const reason = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error);
    return new WebhookCallError(`The call failed: ${reason}`, true);
  }
}

/**
 * The first characters of an answer, on one line; the rest is not read (the connection is closed).
 * Whatever cuts the answer short (the deadline, a reset) leaves what came so far.
 */
function readExcerpt(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      response.destroy();
      resolve(text.replace(/\s+/g, ' ').trim().slice(0, RESPONSE_EXCERPT_LENGTH));
    };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
      if (text.length >= RESPONSE_EXCERPT_LENGTH) done();
    });
    response.on('end', done);
    response.on('close', done);
    response.on('error', done);
  });
}
