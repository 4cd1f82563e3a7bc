import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { decodeCursor, encodeCursor } from '../common/pagination';
import { CreateProviderDto, ProviderPage, ProviderView } from './dto/provider.dto';
import { ProviderEntity } from './entities/provider.entity';
import { ProvidersRepository } from './providers.repository';

const DEFAULT_PAGE_SIZE = 20;

export function toProviderView(provider: ProviderEntity): ProviderView {
  return {
    id: provider.id,
    name: provider.name,
    email: provider.email,
    phone: provider.phone,
    time_zone: provider.timeZone,
    created_at: new Date(provider.createdAt).toISOString(),
  };
}

@Injectable()
export class ProvidersService {
  constructor(
    private readonly providers: ProvidersRepository,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateProviderDto): Promise<ProviderView> {
    const created = await this.providers.insert({
      name: dto.name.trim(),
      email: dto.email.trim().toLowerCase(),
      phone: dto.phone ?? null,
      timeZone: dto.time_zone ?? 'UTC',
      createdAt: this.clock.nowMs(),
    });
    if (!created) throw new AppError('EMAIL_TAKEN', 'A provider with this email is already registered');
    return toProviderView(created);
  }

  async get(id: number): Promise<ProviderEntity> {
    const provider = await this.providers.findById(id);
    if (!provider) throw new AppError('PROVIDER_NOT_FOUND', `Provider ${id} does not exist`);
    return provider;
  }

  async view(id: number): Promise<ProviderView> {
    return toProviderView(await this.get(id));
  }

  async list(limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<ProviderPage> {
    const page = await this.providers.listAfter(decodeCursor(cursor), limit + 1);
    const items = page.slice(0, limit);
    return {
      items: items.map(toProviderView),
      next_cursor: page.length > limit ? encodeCursor(items[items.length - 1].id) : null,
    };
  }
}
