import { Global, Logger, Module } from '@nestjs/common';
import { withRetry } from '../common/retry';
import { ConfigType } from '@nestjs/config';
import { databaseConfig } from '../config/namespaces';
import { DatabaseService } from './database.service';

/** The database, migrated to the latest schema before the app serves (a few tries while it starts up). */
@Global()
@Module({
  providers: [
    {
      provide: DatabaseService,
      inject: [databaseConfig.KEY],
      useFactory: async (config: ConfigType<typeof databaseConfig>): Promise<DatabaseService> => {
        const database = DatabaseService.open(config);
        try {
          await withRetry(
            () => database.migrate(),
            { attempts: 3, firstDelayMs: 500 },
            {
              onRetry: (error) => Logger.warn(`Database not ready, retrying: ${String(error)}`, DatabaseService.name),
            },
          );
        } catch (error) {
          await database.onApplicationShutdown();
          throw error;
        }
        return database;
      },
    },
  ],
  exports: [DatabaseService],
})
export class DatabaseModule {}
