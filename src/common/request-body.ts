import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './app-error';
import { SEND_JSON } from './problem';

/** Deepest nesting of arrays and objects a body may have; this API's bodies need two or three levels. */
export const MAX_BODY_DEPTH = 32;

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** Marks a route that also takes an HTML form's body (`application/x-www-form-urlencoded`). */
export const AcceptsForm = (): MethodDecorator => RouteConfig({ acceptsForm: true });

/**
 * Whether arrays and objects nest deeper than `maxDepth` (a flat object is depth 1). Walked with a
 * stack of its own, so a hostile body cannot overflow the call stack here.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Checks every parsed body before validation sees it: JSON (or a form, on routes marked
 * `@AcceptsForm()`), nested at most `MAX_BODY_DEPTH` deep. The validation pipe walks bodies
 * recursively, so depth must be bounded before it runs.
 */
export function guardRequestBodies(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', async (request: FastifyRequest) => {
    // An unknown route is a 404 whatever its body.
    if (request.body === undefined || request.is404) return;
    const type = mediaType(request.headers['content-type']);
    const acceptsForm = (request.routeOptions.config as { acceptsForm?: boolean } | undefined)?.acceptsForm === true;
    if (type !== JSON_TYPE && !(type === FORM_TYPE && acceptsForm)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', SEND_JSON);
    }
    if (nestsDeeperThan(request.body, MAX_BODY_DEPTH)) {
      throw AppError.field('body', `The request body nests deeper than ${MAX_BODY_DEPTH} levels`);
    }
  });
}
