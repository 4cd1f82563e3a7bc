import { Injectable } from '@nestjs/common';
import { Caller } from '../access/caller';
import { ClientsService } from '../clients/clients.service';
import { AppError } from '../common/app-error';
import { AppointmentsService } from './appointments.service';
import { ClientSlotRequest, GuestClientDto, PendingAppointmentView, RequestAppointmentDto } from './dto/appointment.dto';

/** A guest's answer, for a known address and a new one alike. */
export type GuestPendingView = Omit<PendingAppointmentView, 'client_id'> & { client_id: null };

/**
 * `POST /api/client_schedule` with a key (as the seed: `client_id`) or without one (a guest: `client`).
 * A guest's request goes down the same request path, as the client with that address (found, or
 * registered without a key), so every rule and cap applies to it as to a client with a key.
 */
@Injectable()
export class GuestBookings {
  constructor(
    private readonly appointments: AppointmentsService,
    private readonly clients: ClientsService,
  ) {}

  async request(dto: RequestAppointmentDto, caller: Caller | undefined): Promise<PendingAppointmentView> {
    const { client, client_id: clientId, ...slots } = dto;
    if (client !== undefined && clientId !== undefined) {
      throw AppError.field('client', 'Send client_id (with an API key) or client (a guest booking, without one), not both');
    }
    if (caller) {
      // A key names its client by id; a guest's details next to a key would be ignored or misread.
      if (client !== undefined)
        throw AppError.field('client', 'client is for a guest booking without an API key; with a key, send client_id');
      if (clientId === undefined) throw AppError.field('client_id', 'client_id is required');
      return this.appointments.request({ ...slots, client_id: clientId }, caller);
    }
    if (clientId !== undefined) {
      throw new AppError('UNAUTHENTICATED', 'Send an API key to book for a client_id, or book as a guest with client {name, email}');
    }
    if (client === undefined) throw AppError.field('client', 'client ({"name","email","phone"?}) is required without an API key');
    return this.asGuest(slots, client);
  }

  /**
   * Books as the client with the guest's address, the name and phone typed kept on the request (its
   * mails greet that name; once its link is pressed, its texts go to that phone). The answer leaves
   * out which client that is: the same shape and `client_id: null` whether the address was known or not.
   */
  async asGuest(slots: Omit<ClientSlotRequest, 'client_id'>, guest: GuestClientDto): Promise<GuestPendingView> {
    const client = await this.clients.findOrRegisterGuest(guest);
    const pending = await this.appointments.request(
      { ...slots, client_id: client.id },
      { role: 'client', clientId: client.id },
      { name: guest.name.trim(), phone: guest.phone || null },
    );
    return { ...pending, client_id: null };
  }
}
