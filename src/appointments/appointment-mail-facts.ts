import { AppointmentMailFacts } from '../mail/mail.service';
import { ProviderEntity } from '../providers/entities/provider.entity';
import { AppointmentContact } from './appointment-contact';
import { AppointmentEntity } from './entities/appointment.entity';

/** Who an appointment's mails name and go to. */
export interface AppointmentPeople {
  provider: Pick<ProviderEntity, 'name' | 'email' | 'timeZone'>;
  client: AppointmentContact;
}

/** What every mail about an appointment says of it, whoever it goes to. */
export function mailFactsOf(appointment: AppointmentEntity, { provider, client }: AppointmentPeople): Omit<AppointmentMailFacts, 'to'> {
  return {
    clientName: client.name,
    providerName: provider.name,
    appointmentId: appointment.id,
    date: appointment.date,
    startTime: appointment.startTime,
    endTime: appointment.endTime,
    timeZone: provider.timeZone,
  };
}
