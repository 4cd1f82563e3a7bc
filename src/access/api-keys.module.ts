import { Module } from '@nestjs/common';
import { CacheBus } from '../cache/cache-bus';
import { CacheModule } from '../cache/cache.module';
import { ApiKeyCache } from './api-key-cache';

/**
 * The per-process cache of whose each API key is: read by the AuthGuard, revoked by the modules that
 * own the keys (providers, clients) when they rotate one. Its own module, so those need not import access.
 */
@Module({
  imports: [CacheModule],
  providers: [{ provide: ApiKeyCache, inject: [CacheBus], useFactory: (bus: CacheBus) => new ApiKeyCache(bus) }],
  exports: [ApiKeyCache],
})
export class ApiKeysModule {}
