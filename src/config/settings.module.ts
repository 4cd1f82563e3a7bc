import { Global, Inject, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { loadSettings, Settings } from './settings';

export const SETTINGS = Symbol('SETTINGS');
export const InjectSettings = (): ParameterDecorator => Inject(SETTINGS);

/**
 * Loads `.env` and the environment through @nestjs/config and validates every setting at start:
 * a bad value stops the start with a message naming the variable.
 * `overrides` let a test boot an app with its own settings without touching process.env.
 */
@Global()
@Module({})
export class SettingsModule {
  static forRoot(overrides: Record<string, string | undefined> = {}) {
    return {
      module: SettingsModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: process.env.NODE_ENV === 'test',
          cache: true,
          // Nested under one key so @nestjs/config copies nothing back into process.env.
          validate: (raw) => ({ settings: loadSettings({ ...(raw as Record<string, string>), ...overrides }) }),
        }),
      ],
      providers: [
        {
          provide: SETTINGS,
          inject: [ConfigService],
          useFactory: (config: ConfigService): Settings => config.getOrThrow<Settings>('settings'),
        },
      ],
      exports: [SETTINGS],
    };
  }
}
