import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createAppLogger, createHttpAdapter } from './app.setup';
import { httpConfig } from './config/namespaces';
import { SettingsModule } from './config/settings.module';
import { stopOnSignals } from './shutdown';

/**
 * The HTTP settings, read and validated through the module the app reads them with (`.env` included),
 * before the app exists: the HTTP adapter needs them when it is built.
 */
async function readHttpConfig(): Promise<ConfigType<typeof httpConfig>> {
  const context = await NestFactory.createApplicationContext(SettingsModule.forRoot(), { logger: false, abortOnError: false });
  try {
    return context.get<ConfigType<typeof httpConfig>>(httpConfig.KEY);
  } finally {
    await context.close();
  }
}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(), createHttpAdapter(await readHttpConfig()), {
    logger: createAppLogger(),
  });
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
