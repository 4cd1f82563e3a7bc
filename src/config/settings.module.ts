import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Environment, validateEnvironment } from './environment';
import { CONFIG_NAMESPACES } from './namespaces';
import { loadOrCreateSecrets, SECRETS } from './secrets';

/** Where the validated environment sits in @nestjs/config; an object, so nothing is copied back into process.env. */
const ENVIRONMENT_KEY = 'environment';

/**
 * Reads `.env` and the environment through @nestjs/config and validates every variable at start (a bad
 * value stops the start with a message naming it); then, at bootstrap, resolves the secrets, and
 * provides each settings namespace (`namespaces.ts`) by its token, to every module.
 * `overrides` let a test boot an app with its own settings without touching process.env.
 */
@Global()
@Module({})
export class SettingsModule {
  static forRoot(overrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: SettingsModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: process.env.NODE_ENV === 'test',
          cache: true,
          validate: (raw) => ({ [ENVIRONMENT_KEY]: validateEnvironment({ ...raw, ...overrides }) }),
        }),
      ],
      providers: [
        {
          provide: Environment,
          inject: [ConfigService],
          useFactory: (config: ConfigService): Environment => config.getOrThrow<Environment>(ENVIRONMENT_KEY),
        },
        { provide: SECRETS, inject: [Environment], useFactory: loadOrCreateSecrets },
        ...CONFIG_NAMESPACES.map((namespace) => ({ provide: namespace.KEY, inject: [Environment, SECRETS], useFactory: namespace })),
      ],
      exports: CONFIG_NAMESPACES.map((namespace) => namespace.KEY),
    };
  }
}
