import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../common/app-error';
import { localDateTime } from '../scheduling/slots';
import { HoldPreview } from './confirmation.service';
import { RenderedPage } from './html-pages';

// Handlebars escapes every {{value}}: nothing a client typed can become markup.
const template = Handlebars.compile(readFileSync(join(__dirname, 'templates', 'confirmation-page.hbs'), 'utf8'));

function appointmentFacts(preview: HoldPreview, withExpiry: boolean) {
  const { appointment } = preview;
  return {
    providerName: preview.providerName,
    clientName: preview.clientName,
    date: appointment.date,
    startTime: appointment.startTime,
    endTime: appointment.endTime,
    timeZone: preview.timeZone,
    expiresAt: withExpiry ? localDateTime(appointment.expiresAt, preview.timeZone) : undefined,
  };
}

export function previewPage(preview: HoldPreview, token: string): RenderedPage {
  return {
    status: 200,
    html: template({
      title: 'Confirm your appointment',
      message: 'Check the details below, then press the button to book this appointment.',
      appointment: appointmentFacts(preview, true),
      token,
    }),
  };
}

export function confirmedPage(date: string, startTime: string, endTime: string): RenderedPage {
  return {
    status: 200,
    html: template({
      title: 'Appointment confirmed',
      message: `Your appointment on ${date} from ${startTime} to ${endTime} is booked. A confirmation email is on its way.`,
    }),
  };
}

const MESSAGES: Partial<Record<string, { title: string; message: string }>> = {
  TOKEN_INVALID: { title: 'Invalid link', message: 'This link is not valid. Use the link from your email exactly as it was sent.' },
  HOLD_EXPIRED: { title: 'Link expired', message: 'This hold has expired and the slot was released. Please ask for an appointment again.' },
  HOLD_CANCELLED: { title: 'Request cancelled', message: 'This appointment request was cancelled.' },
  ALREADY_CONFIRMED: { title: 'Already confirmed', message: 'This appointment is already confirmed. Nothing more to do.' },
  SLOT_UNAVAILABLE: { title: 'Slot taken', message: 'This slot was booked by someone else meanwhile. Please choose another.' },
};

export function errorPage(error: AppError): RenderedPage {
  const text = MESSAGES[error.code] ?? { title: 'Something went wrong', message: error.detail };
  return { status: error.status, html: template(text) };
}
