import { Injectable } from '@nestjs/common';
import { ApiKeyCache } from '../access/api-key-cache';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
import { ClientsRepository } from './clients.repository';
import { toClientView } from './client-view';
import { ClientView, ClientWithKeyView, CreateClientDto } from './dto/client.dto';
import { actsForClient, assertAdmin, Caller } from '../access/caller';
import { CLIENT_KEY_PREFIX, generateApiKey, hashApiKey } from '../access/api-keys';
import { ClientEntity } from './entities/client.entity';
import { noteDataSubject } from '../idempotency/data-subject';
import { Transaction } from '../database/database.service';
import { erasedPlaceholder } from './erased-client';

function notFound(id: number): AppError {
  return new AppError('CLIENT_NOT_FOUND', `Client ${id} does not exist`);
}

@Injectable()
export class ClientsService {
  constructor(
    private readonly clients: ClientsRepository,
    private readonly clock: Clock,
    private readonly apiKeys: ApiKeyCache,
  ) {}

  async create(dto: CreateClientDto, caller: Caller): Promise<ClientWithKeyView> {
    assertAdmin(caller);
    const apiKey = generateApiKey(CLIENT_KEY_PREFIX);
    const created = await this.clients.insert({
      apiKeyHash: hashApiKey(apiKey),
      name: dto.name.trim(),
      email: dto.email.trim().toLowerCase(),
      phone: dto.phone ?? null,
      createdAt: this.clock.nowMs(),
    });
    if (!created) throw new AppError('EMAIL_TAKEN', 'A client with this email is already registered');
    noteDataSubject(created.id);
    return { ...toClientView(created), api_key: apiKey };
  }

  /**
   * The client with this address, or a new one registered for it without a key (a guest booking: the
   * emailed link proves the address). Nothing unproven is kept on it: a known client is left as it is,
   * a new one gets the name typed but no phone (the request keeps the guest's details, see
   * `contactOf`), so an earlier stranger's phone never receives the owner's texts. Two guests with one
   * new address at once end with one client: the unique address decides, and the loser reads the
   * winner's row.
   */
  async findOrRegisterGuest(guest: { name: string; email: string }): Promise<ClientEntity> {
    const email = guest.email.trim().toLowerCase();
    const known = await this.clients.findByEmail(email);
    if (known) return known;
    const registered = await this.clients.insert({
      apiKeyHash: null,
      name: guest.name.trim(),
      email,
      phone: null,
      createdAt: this.clock.nowMs(),
    });
    if (registered) return registered;
    const winner = await this.clients.findByEmail(email);
    // Registered by another request a moment ago, and (were it erased since) gone again: unusual enough for a 503 and a retry.
    if (!winner) throw new AppError('UNAVAILABLE', 'The client record changed while this request ran; try again');
    return winner;
  }

  /** A new key for the client; the old one is revoked at once. */
  async rotateKey(id: number, caller: Caller): Promise<ClientWithKeyView> {
    if (!actsForClient(caller, id)) throw notFound(id);
    const apiKey = generateApiKey(CLIENT_KEY_PREFIX);
    const replaced = await this.clients.replaceKeyHash(id, hashApiKey(apiKey));
    if (replaced === undefined) throw notFound(id);
    if (replaced.previous !== null) await this.apiKeys.revoke(replaced.previous);
    return { ...toClientView(await this.get(id)), api_key: apiKey };
  }

  /**
   * Replaces the client's details with placeholders and drops its key, within the erasure's
   * transaction. Answers the client as it was, or null when it was erased already. Once committed,
   * `forgetKey` makes the key stop working in every process at once.
   */
  eraseIn(tx: Transaction, id: number, erasedAt: number): Promise<ClientEntity | null> {
    return this.clients.eraseIn(tx, id, erasedPlaceholder(id), erasedAt);
  }

  /**
   * Within a transaction that writes for the client, after the client's caps lock (which its erasure
   * takes too): refuses the write when the client was erased since it was read.
   */
  async assertNotErasedIn(tx: Transaction, id: number): Promise<void> {
    if (await this.clients.isErasedIn(tx, id)) throw notFound(id);
  }

  /**
   * The client's record, erased or not, read within a transaction that writes messages to it, after
   * that transaction locked the appointment it changes (which the client's erasure locks too): an
   * erasure committed since the client was first read shows here, placeholders and all.
   */
  async getRecordIn(tx: Transaction, id: number): Promise<ClientEntity> {
    const client = await this.clients.findByIdIn(tx, id);
    if (!client) throw notFound(id);
    return client;
  }

  /** Within a transaction that writes messages to these clients: those erased meanwhile (see the repository). */
  erasedAmongIn(tx: Transaction, ids: readonly number[]): Promise<Set<number>> {
    return this.clients.erasedAmongIn(tx, ids);
  }

  /** After the erasure committed: the key it dropped is no longer served from any process's cache. */
  async forgetKey(erased: ClientEntity): Promise<void> {
    if (erased.apiKeyHash !== null) await this.apiKeys.revoke(erased.apiKeyHash);
  }

  /** Which client owns the key with this SHA-256; null when none does. */
  idOwningKey(apiKeyHash: string): Promise<number | null> {
    return this.clients.idByKeyHash(apiKeyHash);
  }

  /** A client that exists and was not erased: an erased client is gone to every route. */
  async get(id: number): Promise<ClientEntity> {
    const client = await this.clients.findById(id);
    if (!client || client.erasedAt !== null) throw notFound(id);
    return client;
  }

  /**
   * The client's record, erased or not: for telling a provider about an appointment of a client since
   * erased (its details are already replaced), and for finishing an erasure.
   */
  async getRecord(id: number): Promise<ClientEntity> {
    const client = await this.clients.findById(id);
    if (!client) throw notFound(id);
    return client;
  }

  /** The clients among these ids that exist (read at once), by id. */
  async getMany(ids: number[]): Promise<Map<number, ClientEntity>> {
    const clients = await this.clients.findByIds([...new Set(ids)]);
    return new Map(clients.map((client) => [client.id, client]));
  }

  /** The administrator or the client itself; to anyone else the client does not exist. */
  async view(id: number, caller: Caller): Promise<ClientView> {
    if (!actsForClient(caller, id)) throw notFound(id);
    return toClientView(await this.get(id));
  }
}
