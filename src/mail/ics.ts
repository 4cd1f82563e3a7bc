/**
 * What a calendar file asks of the calendar that reads it (RFC 5546): add or update the event, or
 * take it off.
 */
export type CalendarMethod = 'REQUEST' | 'CANCEL';

/** A one-event iCalendar (RFC 5545) file, as mail clients expect for "add to calendar". */
export interface CalendarEvent {
  /** The same for every version of one appointment, so a calendar updates the event rather than adding one. */
  uid: string;
  /**
   * The event's version, 0 for the first: a calendar applies a file only if its SEQUENCE is not lower
   * than the one it holds, so each change (a reschedule, a cancellation) raises it. Default 0.
   */
  sequence?: number;
  /** Default REQUEST; CANCEL takes the event off the calendar (its STATUS reads CANCELLED). */
  method?: CalendarMethod;
  startMs: number;
  endMs: number;
  stampMs: number;
  summary: string;
  description: string;
  organizerEmail?: string;
  attendeeEmail?: string;
}

function icsInstant(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Escapes TEXT values: backslash, semicolon, comma and newlines; other control characters, which
 * TEXT may not carry (RFC 5545 §3.3.11; a tab may stay), are dropped.
 */
export function escapeIcsText(text: string): string {
  return (
    text
      .replace(/\\/g, '\\\\')
      .replace(/;/g, '\\;')
      .replace(/,/g, '\\,')
      .replace(/\r\n|\r|\n/g, '\\n')
      // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
      .replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '')
  );
}

/** Characters a `mailto:` address may carry as they are (RFC 6068 `unreserved` and `some-delims`). */
const MAILTO_LITERAL = /^[A-Za-z0-9\-._~!$'()*+,;:@]$/;

/**
 * A CAL-ADDRESS value for an email address: `mailto:` and the address with every other character
 * percent-encoded, so no CR, LF or `?` can end the line or the address.
 */
export function icsMailto(address: string): string {
  let uri = 'mailto:';
  for (const char of address) {
    uri += MAILTO_LITERAL.test(char)
      ? char
      : [...Buffer.from(char, 'utf8')].map((octet) => `%${octet.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return uri;
}

/** Folds content lines longer than 75 octets, as the RFC requires. */
export function foldIcsLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let currentBytes = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    const limit = parts.length === 0 ? 75 : 74;
    if (currentBytes + size > limit) {
      parts.push(current);
      current = '';
      currentBytes = 0;
    }
    current += char;
    currentBytes += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** Every value is escaped for its type and every line folded: nothing in an event can add a line. */
export function buildIcs(event: CalendarEvent): string {
  const sequence = event.sequence ?? 0;
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError(`SEQUENCE must be a whole number from 0, not ${sequence}`);
  const method = event.method ?? 'REQUEST';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Scheduler//Appointments//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${method}`,
    'BEGIN:VEVENT',
    `UID:${escapeIcsText(event.uid)}`,
    `SEQUENCE:${sequence}`,
    `DTSTAMP:${icsInstant(event.stampMs)}`,
    `DTSTART:${icsInstant(event.startMs)}`,
    `DTEND:${icsInstant(event.endMs)}`,
    `SUMMARY:${escapeIcsText(event.summary)}`,
    `DESCRIPTION:${escapeIcsText(event.description)}`,
    ...(event.organizerEmail ? [`ORGANIZER:${icsMailto(event.organizerEmail)}`] : []),
    ...(event.attendeeEmail ? [`ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:${icsMailto(event.attendeeEmail)}`] : []),
    `STATUS:${method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldIcsLine).join('\r\n') + '\r\n';
}
