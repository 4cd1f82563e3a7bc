import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ClientsService } from '../clients/clients.service';
import { accessConfig } from '../config/namespaces';
import { ProvidersService } from '../providers/providers.service';
import { ApiKeyCache } from './api-key-cache';
import { CLIENT_KEY_PREFIX, hashApiKey, PROVIDER_KEY_PREFIX, secretsEqual } from './api-keys';
import { ADMIN, Caller } from './caller';

const MAX_KEY_LENGTH = 256;

@Injectable()
export class AuthService {
  constructor(
    private readonly providers: ProvidersService,
    private readonly clients: ClientsService,
    private readonly keys: ApiKeyCache,
    @Inject(accessConfig.KEY) private readonly config: ConfigType<typeof accessConfig>,
  ) {}

  /** The caller a bearer key belongs to, or null for a key that is nobody's. */
  async authenticate(key: string): Promise<Caller | null> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) return null;
    if (secretsEqual(key, this.config.adminApiKey)) return ADMIN;
    if (key.startsWith(PROVIDER_KEY_PREFIX)) {
      const keyHash = hashApiKey(key);
      return this.keys.callerOf(keyHash, async () => {
        const providerId = await this.providers.idOwningKey(keyHash);
        return providerId === null ? null : { role: 'provider', providerId };
      });
    }
    if (key.startsWith(CLIENT_KEY_PREFIX)) {
      const keyHash = hashApiKey(key);
      return this.keys.callerOf(keyHash, async () => {
        const clientId = await this.clients.idOwningKey(keyHash);
        return clientId === null ? null : { role: 'client', clientId };
      });
    }
    return null;
  }
}
