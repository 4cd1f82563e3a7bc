import { ConsoleLogger, LoggerService } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module';
import { configureApp, createAppLogger, createHttpAdapter } from '../../src/app.setup';
import { Clock } from '../../src/common/clock';
import { accessConfig, ConfigNamespace, httpConfig } from '../../src/config/namespaces';
import { shutDown } from '../../src/shutdown';
import { ApiClient } from './api-client';
import { freePort } from './free-port';

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  /** Speaks with the administrator's key, who may do everything. */
  api: ApiClient;
  /** Speaks without any key. */
  anonymous: ApiClient;
  /** A settings namespace as the app's modules see it: `sut.config(accessConfig).adminApiKey`. */
  config<N extends ConfigNamespace>(namespace: N): ConfigType<N>;
  /** Stops the app as SIGTERM stops the service: drains HTTP, then closes the modules. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Settings on top of the backend's (HOLD_TTL_SECONDS, SMTP_URL, …). */
  env?: Record<string, string | undefined>;
  clock?: Clock;
  /**
   * Where log lines go (through the app's redacting logger); default: the console, errors only. The
   * specs provoke failures on purpose (a Twilio 500, a database cut off), which the app logs as
   * warnings; a spec that cares what is logged captures it (test/support/capturing-logger.ts).
   */
  logger?: LoggerService | false;
}

/** Boots the real app exactly as main.ts does (same module, same configureApp), on a random port. */
export async function startTestApp(backendEnv: Record<string, string | undefined>, options: TestAppOptions = {}): Promise<TestApp> {
  const port = await freePort();
  const env = { PUBLIC_URL: undefined, ...backendEnv, ...options.env, PORT: String(port) };
  let testing = Test.createTestingModule({ imports: [AppModule.register(env)] });
  // The clock is a provider like any other; a test may swap in one it drives.
  if (options.clock) testing = testing.overrideProvider(Clock).useValue(options.clock);
  const moduleRef = await testing.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createHttpAdapter(moduleRef.get<ConfigType<typeof httpConfig>>(httpConfig.KEY)),
    {
      logger:
        options.logger === false ? false : createAppLogger(options.logger ?? new ConsoleLogger(), options.logger ? undefined : ['error']),
    },
  );
  await configureApp(app);
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const config = <N extends ConfigNamespace>(namespace: N): ConfigType<N> => app.get<ConfigType<N>>(namespace.KEY);
  const anonymous = new ApiClient(url);
  return { app, url, api: anonymous.as(config(accessConfig).adminApiKey), anonymous, config, close: () => shutDown(app) };
}
