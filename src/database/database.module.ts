import { Global, Logger, Module } from '@nestjs/common';
import { withRetry } from '../common/retry';
import { Settings } from '../config/settings';
import { SETTINGS } from '../config/settings.module';
import { DatabaseService } from './database.service';

/** The database, migrated to the latest schema before the app serves (a few tries while it starts up). */
@Global()
@Module({
  providers: [
    {
      provide: DatabaseService,
      inject: [SETTINGS],
      useFactory: async (settings: Settings): Promise<DatabaseService> => {
        const database = DatabaseService.open(settings.database);
        try {
          await withRetry(() => database.migrate(), { attempts: 3, firstDelayMs: 500 }, {
            onRetry: (error) => Logger.warn(`Database not ready, retrying: ${String(error)}`, DatabaseService.name),
          });
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
