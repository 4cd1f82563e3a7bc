import helmet, { HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The headers helmet sets, computed once: with fixed directives they depend on nothing in the request,
 * and helmet's Fastify plugin rebuilt them (normalising the CSP directives) on every answer.
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let done = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error instanceof Error) throw error;
    if (error) throw new Error('helmet refused its options');
    done = true;
  });
  // A directive computed per request (a nonce) would need the request: not supported here.
  if (!done) throw new Error('helmet did not finish at once; per-request directives are not supported');
  return Object.freeze(headers);
}
