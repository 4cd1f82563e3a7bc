import { parse as parseQueryString } from 'node:querystring';
import { NestFastifyApplication, RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyBodyParser, FastifyRequest } from 'fastify';
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

/** An empty body is no body, whatever type it is labelled with. */
const emptyIsAbsent =
  (parse: FastifyBodyParser<Buffer>): FastifyBodyParser<Buffer> =>
  (request, body, done) =>
    body.length === 0 ? done(null, undefined) : parse(request, body, done);

const parseForm: FastifyBodyParser<Buffer> = (_request, body, done) => {
  const fields = parseQueryString(body.toString('utf8'));
  // The object has no prototype, so `__proto__` is an ordinary key here, but it would replace the
  // prototype of the object it is copied onto; refused, as in a JSON body.
  if (Object.hasOwn(fields, '__proto__')) done(AppError.field('body', 'The form has a forbidden field name'), undefined);
  else done(null, fields);
};

/**
 * Reads every request body, then checks it before validation sees it: JSON (or a form, on routes
 * marked `@AcceptsForm()`), nested at most `MAX_BODY_DEPTH` deep. The validation pipe walks bodies
 * recursively, so depth must be bounded before it runs.
 *
 * An empty body counts as none, whatever its Content-Type: `curl -d ''` labels it a form, fetch's
 * `body: ''` text/plain, and Fastify would otherwise refuse an empty JSON body. A route that needs a
 * body then says which fields are required.
 */
export function guardRequestBodies(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const { bodyLimit, onProtoPoisoning = 'error', onConstructorPoisoning = 'error' } = fastify.initialConfig;
  const parseJson = fastify.getDefaultJsonParser(onProtoPoisoning, onConstructorPoisoning);
  app.useBodyParser(
    JSON_TYPE,
    { bodyLimit },
    emptyIsAbsent((request, body, done) => parseJson(request, body.toString('utf8'), done)),
  );
  app.useBodyParser(FORM_TYPE, { bodyLimit }, emptyIsAbsent(parseForm));
  // Any other type is kept as bytes, for the check below to refuse unless it is empty.
  app.useBodyParser(
    ['text/plain', '*'],
    { bodyLimit },
    emptyIsAbsent((_request, body, done) => done(null, body)),
  );

  // A callback rather than an async hook: every request passes here, most with no body.
  fastify.addHook('preValidation', (request: FastifyRequest, _reply, done) => {
    // An unknown route is a 404 whatever its body.
    if (request.body === undefined || request.is404) return done();
    const type = mediaType(request.headers['content-type']);
    const acceptsForm = (request.routeOptions.config as { acceptsForm?: boolean } | undefined)?.acceptsForm === true;
    if (type !== JSON_TYPE && !(type === FORM_TYPE && acceptsForm)) return done(new AppError('UNSUPPORTED_MEDIA_TYPE', SEND_JSON));
    if (nestsDeeperThan(request.body, MAX_BODY_DEPTH)) {
      return done(AppError.field('body', `The request body nests deeper than ${MAX_BODY_DEPTH} levels`));
    }
    done();
  });
}
