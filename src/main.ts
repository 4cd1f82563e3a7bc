import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createAppLogger, createHttpAdapter } from './app.setup';
import { Settings } from './config/settings';
import { SETTINGS } from './config/settings.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(),
    createHttpAdapter(),
    { logger: createAppLogger() },
  );
  await configureApp(app);
  const settings = app.get<Settings>(SETTINGS);
  await app.listen(settings.port, '0.0.0.0');
  Logger.log(`Listening on ${settings.publicUrl}/api (docs at /api/docs)`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  // A bad setting names itself here and stops the start.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
