import { ConsoleLogger, Logger, LoggerService, LogLevel } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { secretsEqual } from './access/api-keys';
import { AppError } from './common/app-error';
import { HttpDrain } from './common/http-drain';
import { API_PREFIX, DOCS_PATH, HEALTH_LIVE_PATH, OPENAPI_JSON_PATH } from './common/api-paths';
import { toProblem } from './common/problem';
import { answerClientError, ProblemFilter, sendProblem } from './common/problem.filter';
import { RedactingLogger } from './common/redacting-logger';
import { securityHeaders } from './common/security-headers';
import { requestContext, requestIdFrom } from './common/request-context';
import { guardRequestBodies } from './common/request-body';
import { ProblemView } from './common/swagger';
import { createValidationPipe } from './common/validation-pipe';
import { accessConfig, httpConfig, logConfig } from './config/namespaces';
import { MetricsService } from './metrics/metrics.service';

/** Largest request body accepted; anything bigger is answered 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The whole time a client has to send a request, headers and body: a request sent by halves (slowloris)
 * holds a connection no longer. Node's headersTimeout follows it.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Security headers of every answer. Swagger UI and the validation page use inline styles and scripts of their own origin. */
const SECURITY_HEADERS = securityHeaders({
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      // The service may be reached over plain HTTP (a front desk on the LAN); upgrading would break its pages.
      upgradeInsecureRequests: null,
    },
  },
  crossOriginEmbedderPolicy: false,
});

/**
 * The HTTP adapter of `main.ts` and the e2e tests. Fastify fixes which proxies it trusts when it is built,
 * so the settings it needs are given here, before the app exists.
 */
export function createHttpAdapter({ trustedProxyHops }: Pick<ConfigType<typeof httpConfig>, 'trustedProxyHops'>): FastifyAdapter {
  const logger = new Logger('Errors');
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Fastify's own answer to a request that reaches a closing server is a bare JSON 503; configureApp answers it.
    return503OnClosing: false,
    // Behind N proxies that each append to X-Forwarded-For, `request.ip` is the address the nearest trusted one
    // saw (entries further left are the client's own word); with none, the socket's address, whatever the header
    // says. A function, because Fastify reads a bare hop count as "trust nothing".
    trustProxy: trustedProxyHops > 0 ? (_address: string, hop: number) => hop < trustedProxyHops : false,
    // The router's refusals (a path that is not valid percent-encoded UTF-8, a path part too long) come
    // before any route, hook or filter; Fastify's own body for them quotes the path.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(reply, toProblem(error), error, logger),
    // What Node's HTTP parser refuses (a control character in a header, a bad chunk, two Content-Lengths,
    // headers over 16 KB) never becomes a request at all.
    clientErrorHandler: answerClientError,
    // The caller's (or its proxy's) X-Request-Id when it is a sane token, so one id follows a request
    // across services; otherwise a new one. Answered in X-Request-Id and written on the request's log lines.
    genReqId: (request: IncomingMessage) => requestIdFrom(request.headers['x-request-id']),
  });
}

/** The app's logger: whatever writes the lines, nothing secret gets into them. */
export function createAppLogger(inner: LoggerService = new ConsoleLogger(), levels?: LogLevel[]): LoggerService {
  if (levels) inner.setLogLevels?.(levels);
  return new RedactingLogger(inner);
}

/**
 * Each request's id, headers, log line and timing. Its id is answered in X-Request-Id and is the async
 * context of its work, so every line logged meanwhile carries it (`req_id`); once answered, one line at
 * info level (method, path without the query string, route, status, duration) and one observation of the
 * duration histogram. While the server drains (src/shutdown.ts), a request that still reaches it
 * (pipelined behind one in flight, or sent on a connection kept alive) gets a problem+json 503 like any
 * other error and is not carried out, and each connection closes with the answer to the last request
 * received on it, so no client's keep-alive holds the stop and no answer is lost with its connection.
 * One hook per stage, each a plain callback: every request pays for them.
 */
function observeRequests(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const { json } = app.get<ConfigType<typeof logConfig>>(logConfig.KEY);
  const metrics = app.get(MetricsService);
  const access = app.get<ConfigType<typeof accessConfig>>(accessConfig.KEY);
  const drain = app.get(HttpDrain);
  const secrets = [access.adminApiKey, access.metricsToken].filter((secret) => secret !== undefined);
  const logger = new Logger('HTTP');
  drain.watch(fastify.server);
  // app.close() called on its own drains nothing, but still refuses what arrives while it runs.
  fastify.addHook('preClose', (done) => {
    drain.begin();
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    // The administrator's key and the metrics token have no shape the redaction knows: sent as the id,
    // either would be written on every line of the request.
    if (request.id === request.headers['x-request-id'] && secrets.some((secret) => secretsEqual(request.id, secret))) {
      request.id = randomUUID();
    }
    reply.headers(SECURITY_HEADERS);
    reply.header('x-request-id', request.id);
    // Liveness is answered while draining too: the process is alive, and an orchestrator that read 503
    // as dead would kill it before the requests in flight are answered.
    const refusal =
      drain.isDraining && request.routeOptions.url !== HEALTH_LIVE_PATH
        ? new AppError('UNAVAILABLE', 'The server is shutting down; try again shortly')
        : undefined;
    // The rest of the request's handling (hooks, body parsing, guards, handler) runs in this context.
    requestContext.run(request.id, () => done(refusal));
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (drain.isDraining && drain.shouldCloseAfter(request.raw)) reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    // The route's pattern (`/api/providers/:id`); undefined when no route matched.
    const route = request.routeOptions.url;
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    metrics.observeRequest(request.method, route, status, ms / 1000);
    // The query string may carry a token (?token=, ?access_token=): only the path is logged.
    const queryAt = request.url.indexOf('?');
    const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
    const line = `${request.method} ${path} ${status} ${ms.toFixed(1)} ms`;
    requestContext.run(request.id, () => {
      if (json)
        logger.log(line, { method: request.method, route: route ?? null, url: path, status, duration_ms: Math.round(ms * 10) / 10 });
      else logger.log(line);
    });
    done();
  });
}

/**
 * Everything `main.ts` and the e2e tests share: security headers, prefix, validation, errors, docs, and
 * refusing requests while draining. Stopping is src/shutdown.ts's (Nest's own signal hooks are not used).
 */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const http = app.get<ConfigType<typeof httpConfig>>(httpConfig.KEY);
  guardRequestBodies(app);
  observeRequests(app);

  if (http.corsOrigins.length > 0) {
    app.enableCors({ origin: http.corsOrigins.includes('*') ? true : http.corsOrigins, maxAge: 600 });
  }

  app.setGlobalPrefix(API_PREFIX);
  app.useGlobalPipes(createValidationPipe());
  // Also renders the errors Fastify raises itself (bad JSON, body too large, wrong content type): Nest installs
  // its exception layer as Fastify's error handler.
  app.useGlobalFilters(new ProblemFilter());

  const config = new DocumentBuilder()
    .setTitle('Scheduler API')
    .setDescription(
      'Providers publish availability, cut into 15-minute slots. Clients ask for a slot: it is held under a signed token ' +
        'and a validation link is emailed; validating in time books the appointment. Errors are RFC 9457 problem+json. ' +
        'Press "Authorize" and give an API key (the administrator\'s, or one returned when a provider or client is created); ' +
        'each route says who may call it.',
    )
    .setVersion('1.0')
    // An API key sent as `Authorization: Bearer <key>`; not a JWT (bearerFormat would default to "JWT").
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description: "An API key: the administrator's (ADMIN_API_KEY), a provider's (prv_…) or a client's (cli_…)",
    })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemView],
    operationIdFactory: (_controller: string, method: string) => method,
  });
  // The key given to "Authorize" is not persisted: an admin key must not linger in a browser's storage.
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, { jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1) });

  return app;
}
