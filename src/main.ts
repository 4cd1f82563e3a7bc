import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { configureApp, createAppLogger, createHttpAdapter } from './app.setup';
import { JsonLogger } from './common/json-logger';
import {
  accessConfig,
  ConfigNamespace,
  databaseConfig,
  httpConfig,
  logConfig,
  mailConfig,
  redisConfig,
  smsConfig,
} from './config/namespaces';
import { SettingsModule } from './config/settings.module';
import { stopOnSignals } from './shutdown';
import { startupBanner } from './startup-banner';

/**
 * The settings needed before the app exists (the HTTP adapter's, and which logger), read and validated
 * through the module the app reads them with (`.env` included).
 */
async function readBootConfig(): Promise<{ http: ConfigType<typeof httpConfig>; log: ConfigType<typeof logConfig> }> {
  const context = await NestFactory.createApplicationContext(SettingsModule.forRoot(), { logger: false, abortOnError: false });
  try {
    return { http: context.get(httpConfig.KEY), log: context.get(logConfig.KEY) };
  } finally {
    await context.close();
  }
}

async function bootstrap(): Promise<void> {
  const boot = await readBootConfig();
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(), createHttpAdapter(boot.http), {
    logger: createAppLogger(boot.log.json ? new JsonLogger() : new ConsoleLogger()),
  });
  await configureApp(app);
  stopOnSignals(app);
  const get = <N extends ConfigNamespace>(namespace: N): ConfigType<N> => app.get<ConfigType<N>>(namespace.KEY);
  const http = get(httpConfig);
  // listen() initialises the app, which logs the route table; the banner comes after it, so it is the last thing said.
  await app.listen(http.port, http.host);
  const logger = new Logger('Bootstrap');
  logger.log(`Listening on ${http.host}:${http.port}, reached as ${http.publicUrl}/api`);
  const banner = startupBanner({
    database: get(databaseConfig),
    redis: get(redisConfig),
    mail: get(mailConfig),
    sms: get(smsConfig),
    http,
    access: get(accessConfig),
  });
  for (const line of banner) logger.log(line);
}

bootstrap().catch((error: unknown) => {
  // A bad setting names itself here and stops the start.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
