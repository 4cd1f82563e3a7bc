import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createAppLogger, createHttpAdapter } from './app.setup';
import { httpConfig } from './config/namespaces';
import { stopOnSignals } from './shutdown';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(),
    createHttpAdapter(),
    { logger: createAppLogger() },
  );
  await configureApp(app);
  stopOnSignals(app);
  const http = app.get<ConfigType<typeof httpConfig>>(httpConfig.KEY);
  await app.listen(http.port, http.host);
  Logger.log(`Listening on ${http.publicUrl}/api (docs at /api/docs)`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  // A bad setting names itself here and stops the start.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
