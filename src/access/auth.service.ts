import { Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { ConfigType } from '@nestjs/config';
import { ClientsService } from '../clients/clients.service';
import { accessConfig } from '../config/namespaces';
import { ProvidersService } from '../providers/providers.service';
import { ApiKeyCache } from './api-key-cache';
import { apiKeyDigest, CLIENT_KEY_PREFIX, PROVIDER_KEY_PREFIX } from './api-keys';
import { ADMIN, Caller } from './caller';

const MAX_KEY_LENGTH = 256;

@Injectable()
export class AuthService {
  private readonly adminKeyDigest: Buffer;

  constructor(
    private readonly providers: ProvidersService,
    private readonly clients: ClientsService,
    private readonly keys: ApiKeyCache,
    @Inject(accessConfig.KEY) config: ConfigType<typeof accessConfig>,
  ) {
    this.adminKeyDigest = apiKeyDigest(config.adminApiKey);
  }

  /** The caller a bearer key belongs to, or null for a key that is nobody's. */
  async authenticate(key: string): Promise<Caller | null> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) return null;
    // One digest a request: compared in constant time with the administrator's, and looked up as the stored hash.
    const digest = apiKeyDigest(key);
    if (timingSafeEqual(digest, this.adminKeyDigest)) return ADMIN;
    const keyHash = digest.toString('hex');
    if (key.startsWith(PROVIDER_KEY_PREFIX)) {
      return this.keys.callerOf(keyHash, async () => {
        const providerId = await this.providers.idOwningKey(keyHash);
        return providerId === null ? null : { role: 'provider', providerId };
      });
    }
    if (key.startsWith(CLIENT_KEY_PREFIX)) {
      return this.keys.callerOf(keyHash, async () => {
        const clientId = await this.clients.idOwningKey(keyHash);
        return clientId === null ? null : { role: 'client', clientId };
      });
    }
    return null;
  }
}
