import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { toProblem } from './common/problem';
import { ProblemFilter, sendProblem } from './common/problem.filter';
import { ProblemView } from './common/swagger';
import { createValidationPipe } from './common/validation';

/** Largest request body accepted; anything bigger is answered 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Everything `main.ts` and the e2e tests share: prefix, validation, errors, docs. */
export async function configureApp(app: NestFastifyApplication): Promise<NestFastifyApplication> {
  const fastify = app.getHttpAdapter().getInstance();
  const logger = new Logger('Http');
  // Errors raised by Fastify itself (bad JSON, body too large, wrong content type) get the same problem+json.
  fastify.setErrorHandler((error, _request, reply) => sendProblem(reply, toProblem(error), error, logger));

  app.setGlobalPrefix('api');
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();

  const config = new DocumentBuilder()
    .setTitle('Scheduler API')
    .setDescription(
      'Providers publish availability, cut into 15-minute slots. Clients ask for a slot: it is held under a signed token ' +
        'and a validation link is emailed; validating in time books the appointment. Errors are RFC 9457 problem+json.',
    )
    .setVersion('1.0')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemView],
    operationIdFactory: (_controller: string, method: string) => method,
  });
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
