import { Injectable } from '@nestjs/common';
import { ApiKeyCache } from '../access/api-key-cache';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/domain-events';
import { decodeCursor, encodeCursor } from '../common/pagination';
import { actsForProvider, assertAdmin, Caller } from '../access/caller';
import { generateApiKey, hashApiKey, PROVIDER_KEY_PREFIX } from '../access/api-keys';
import { CreateProviderDto, ProviderPage, ProviderView, ProviderWithKeyView, UpdateProviderDto } from './dto/provider.dto';
import { ProviderEntity } from './entities/provider.entity';
import { toProviderView } from './provider-view';
import { ProviderChanges, ProvidersRepository } from './providers.repository';

const DEFAULT_PAGE_SIZE = 20;

function notFound(id: number): AppError {
  return new AppError('PROVIDER_NOT_FOUND', `Provider ${id} does not exist`);
}

@Injectable()
export class ProvidersService {
  constructor(
    private readonly providers: ProvidersRepository,
    private readonly clock: Clock,
    private readonly apiKeys: ApiKeyCache,
    private readonly events: DomainEvents,
  ) {}

  async create(dto: CreateProviderDto, caller: Caller): Promise<ProviderWithKeyView> {
    assertAdmin(caller);
    const apiKey = generateApiKey(PROVIDER_KEY_PREFIX);
    const created = await this.providers.insert({
      apiKeyHash: hashApiKey(apiKey),
      name: dto.name.trim(),
      email: dto.email.trim().toLowerCase(),
      phone: dto.phone ?? null,
      timeZone: dto.time_zone ?? 'UTC',
      createdAt: this.clock.nowMs(),
    });
    if (!created) throw new AppError('EMAIL_TAKEN', 'A provider with this email is already registered');
    return { ...toProviderView(created), api_key: apiKey };
  }

  /**
   * Changes the provider's name, email, phone and booking rules: the fields given, all at once or none.
   * A change of the rules is told as `schedule.hours_changed` (what may be booked changes).
   */
  async update(id: number, dto: UpdateProviderDto, caller: Caller): Promise<ProviderView> {
    if (!actsForProvider(caller, id)) throw notFound(id);
    const changes: ProviderChanges = {
      name: dto.name?.trim(),
      email: dto.email?.trim().toLowerCase(),
      phone: dto.phone,
      minimumNoticeMinutes: dto.minimum_notice_minutes,
      bookingHorizonDays: dto.booking_horizon_days,
      bufferMinutes: dto.buffer_minutes,
      maxActivePerClient: dto.max_active_per_client,
    };
    const updated = await this.providers.update(id, changes);
    if (updated === null) throw notFound(id);
    if (updated === 'EMAIL_TAKEN') throw new AppError('EMAIL_TAKEN', 'A provider with this email is already registered');
    const rulesGiven = [changes.minimumNoticeMinutes, changes.bookingHorizonDays, changes.bufferMinutes, changes.maxActivePerClient];
    if (rulesGiven.some((value) => value !== undefined)) await this.events.emit('schedule.hours_changed', { providerId: id });
    return toProviderView(updated);
  }

  /** A new key for the provider; the old one is revoked at once. */
  async rotateKey(id: number, caller: Caller): Promise<ProviderWithKeyView> {
    if (!actsForProvider(caller, id)) throw notFound(id);
    const apiKey = generateApiKey(PROVIDER_KEY_PREFIX);
    const replaced = await this.providers.replaceKeyHash(id, hashApiKey(apiKey));
    if (replaced === undefined) throw notFound(id);
    if (replaced.previous !== null) await this.apiKeys.revoke(replaced.previous);
    return { ...toProviderView(await this.get(id)), api_key: apiKey };
  }

  /** Which provider owns the key with this SHA-256; null when none does. */
  idOwningKey(apiKeyHash: string): Promise<number | null> {
    return this.providers.idByKeyHash(apiKeyHash);
  }

  async get(id: number): Promise<ProviderEntity> {
    const provider = await this.providers.findById(id);
    if (!provider) throw notFound(id);
    return provider;
  }

  /** The administrator, or the provider itself; to anyone else the record does not exist. */
  async view(id: number, caller: Caller): Promise<ProviderView> {
    if (!actsForProvider(caller, id)) throw notFound(id);
    return toProviderView(await this.get(id));
  }

  /** The administrator pages through every provider; a provider sees itself; a client's key is refused. */
  async list(caller: Caller, limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<ProviderPage> {
    if (caller.role === 'client') throw new AppError('FORBIDDEN', "A client's key does not list providers");
    if (caller.role === 'provider') {
      // A provider's key acts for that provider alone: its directory holds only itself.
      const own = await this.providers.findById(caller.providerId);
      return { items: own ? [toProviderView(own)] : [], next_cursor: null };
    }
    const page = await this.providers.listAfter(decodeCursor(cursor), limit + 1);
    const items = page.slice(0, limit);
    return {
      items: items.map(toProviderView),
      next_cursor: page.length > limit ? encodeCursor(items[items.length - 1].id) : null,
    };
  }
}
