import { AppointmentEntity } from './entities/appointment.entity';

/** What a guest typed with its request (null: a request made with a key, or no phone given). */
export type GuestContactDetails = Pick<AppointmentEntity, 'guestName' | 'guestPhone'>;

/** Whom an appointment's mails greet and its texts go to. */
export interface AppointmentContact {
  name: string;
  email: string;
  phone: string | null;
}

/**
 * The appointment's contact: the name and phone typed with its guest request when there are any, else
 * the client's. A guest's details belong to that request, never to the client record, so a stranger
 * who typed an address first cannot have the owner's reminders texted to them; the address is the
 * client's (the emailed link proved it).
 */
export function contactOf(
  appointment: GuestContactDetails,
  client: { name: string; email: string; phone: string | null },
): AppointmentContact {
  return { name: appointment.guestName ?? client.name, email: client.email, phone: appointment.guestPhone ?? client.phone };
}
