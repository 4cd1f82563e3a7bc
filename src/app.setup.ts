import helmet from '@fastify/helmet';
import { ConsoleLogger, Logger, LoggerService, LogLevel } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_PREFIX, DOCS_PATH, OPENAPI_JSON_PATH } from './common/api-paths';
import { toProblem } from './common/problem';
import { ProblemFilter, sendProblem } from './common/problem.filter';
import { RedactingLogger } from './common/redacting-logger';
import { ProblemView } from './common/swagger';
import { createValidationPipe } from './common/validation';
import { Settings } from './config/settings';
import { SETTINGS } from './config/settings.module';

/** Largest request body accepted; anything bigger is answered 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** The app's logger: whatever writes the lines, nothing secret gets into them. */
export function createAppLogger(inner: LoggerService = new ConsoleLogger(), levels?: LogLevel[]): LoggerService {
  if (levels) inner.setLogLevels?.(levels);
  return new RedactingLogger(inner);
}

/** Everything `main.ts` and the e2e tests share: security headers, prefix, validation, errors, docs. */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const settings = app.get<Settings>(SETTINGS);
  const fastify = app.getHttpAdapter().getInstance();
  const logger = new Logger('Http');
  // Errors raised by Fastify itself (bad JSON, body too large, wrong content type) get the same problem+json.
  fastify.setErrorHandler((error, _request, reply) => sendProblem(reply, toProblem(error), error, logger));

  await app.register(helmet, {
    // Swagger UI and the validation page use inline styles and scripts of their own origin.
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
  if (settings.corsOrigins.length > 0) {
    app.enableCors({ origin: settings.corsOrigins.includes('*') ? true : settings.corsOrigins, maxAge: 600 });
  }

  app.setGlobalPrefix(API_PREFIX);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();

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
