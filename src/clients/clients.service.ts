import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { ClientsRepository } from './clients.repository';
import { ClientView, CreateClientDto } from './dto/client.dto';
import { ClientEntity } from './entities/client.entity';

export function toClientView(client: ClientEntity): ClientView {
  return {
    id: client.id,
    name: client.name,
    email: client.email,
    phone: client.phone,
    created_at: new Date(client.createdAt).toISOString(),
  };
}

@Injectable()
export class ClientsService {
  constructor(
    private readonly clients: ClientsRepository,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateClientDto): Promise<ClientView> {
    const created = await this.clients.insert({
      name: dto.name.trim(),
      email: dto.email.trim().toLowerCase(),
      phone: dto.phone ?? null,
      createdAt: this.clock.nowMs(),
    });
    if (!created) throw new AppError('EMAIL_TAKEN', 'A client with this email is already registered');
    return toClientView(created);
  }

  async get(id: number): Promise<ClientEntity> {
    const client = await this.clients.findById(id);
    if (!client) throw new AppError('CLIENT_NOT_FOUND', `Client ${id} does not exist`);
    return client;
  }

  async view(id: number): Promise<ClientView> {
    return toClientView(await this.get(id));
  }
}
