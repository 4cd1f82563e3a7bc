import { MailerService } from '@nestjs-modules/mailer';
import { Clock } from '../common/clock';
import { validateEnvironment } from '../config/environment';
import { mailConfig } from '../config/namespaces';
import { AppointmentMailFacts, CancellationMail, MailService, RescheduleMail } from './mail.service';

const FACTS: AppointmentMailFacts = {
  to: 'grace@example.com',
  clientName: 'Grace Hopper',
  providerName: 'Dr. Ada Lovelace',
  appointmentId: 41,
  date: '2026-07-29',
  startTime: '10:00',
  endTime: '10:30',
  timeZone: 'Europe/Paris',
};
const ICS = 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n';

const RESCHEDULE: RescheduleMail = {
  ...FACTS,
  previousDate: '2026-07-28',
  previousStartTime: '14:30',
  previousEndTime: '15:00',
  ics: ICS,
};

/** What a person reads of an HTML part: no tags, one space between words. */
const visibleText = (html: string): string => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');

/** Rendering only: what the outbox stores for each change. Sending is MailService.deliver's (mail.service.spec.ts). */
describe(`${MailService.name} reschedule and cancellation mails`, () => {
  const sut = new MailService(undefined as unknown as MailerService, mailConfig(validateEnvironment({})), new Clock());

  describe('rescheduleMail', () => {
    it('goes to the client with the new and the old time and the updated calendar file', () => {
      const mail = sut.rescheduleMail(RESCHEDULE);

      expect(mail).toMatchObject({
        to: 'grace@example.com',
        toName: 'Grace Hopper',
        subject: 'Appointment moved: now 2026-07-29 at 10:00',
        attachments: [{ filename: 'appointment.ics', content: ICS, contentType: 'text/calendar; charset=utf-8; method=REQUEST' }],
      });
      expect(mail.link).toBeUndefined();
      for (const part of [mail.text, mail.html]) {
        expect(part).toContain('2026-07-29');
        expect(part).toMatch(/from (<strong>)?10:00(<\/strong>)? to (<strong>)?10:30/);
        expect(part).toContain('2026-07-28 from 14:30 to 15:00');
        expect(part).toContain('Dr. Ada Lovelace');
      }
    });

    it.each([
      { manageLink: undefined, shown: false },
      { manageLink: 'http://127.0.0.1:5000/api/manage?token=a.b.c', shown: true },
    ])('carries the manage link only when given one ($manageLink)', ({ manageLink, shown }) => {
      const mail = sut.rescheduleMail({ ...RESCHEDULE, ...(manageLink ? { manageLink } : {}) });

      expect(mail.text.includes('/api/manage?token=a.b.c')).toBe(shown);
      expect(mail.html.includes('href="http://127.0.0.1:5000/api/manage?token&#x3D;a.b.c"')).toBe(shown);
      expect(mail.text.includes('pick another time')).toBe(shown);
    });
  });

  describe('cancellationMail', () => {
    const cancellation = (change: Partial<CancellationMail>): CancellationMail => ({
      ...FACTS,
      recipient: 'client',
      reason: null,
      ...change,
    });

    it.each([
      {
        name: 'to the client, confirmed, with a reason',
        mail: { recipient: 'client' as const, reason: 'The clinic is closed', ics: ICS },
        toName: 'Grace Hopper',
        subject: 'Appointment cancelled: 2026-07-29 at 10:00',
        says: [
          'Hello Grace Hopper',
          'Your appointment with Dr. Ada Lovelace on 2026-07-29',
          'Reason given: The clinic is closed',
          'takes the event off',
        ],
        saysNot: ['request for an appointment'],
        method: 'CANCEL',
      },
      {
        name: 'to the client, pending, without a reason',
        mail: { recipient: 'client' as const },
        toName: 'Grace Hopper',
        subject: 'Appointment cancelled: 2026-07-29 at 10:00',
        says: ['Hello Grace Hopper', 'Your request for an appointment with Dr. Ada Lovelace', 'The time is open again.'],
        saysNot: ['Reason given', 'calendar file'],
        method: null,
      },
      {
        name: 'to the provider, confirmed, with a reason',
        mail: { recipient: 'provider' as const, to: 'ada@clinic.example', reason: 'I am ill', ics: ICS },
        toName: 'Dr. Ada Lovelace',
        subject: 'Appointment cancelled by Grace Hopper: 2026-07-29 at 10:00',
        says: [
          'Hello Dr. Ada Lovelace',
          'Grace Hopper',
          'cancelled their appointment with you',
          'Reason given: I am ill',
          'takes the event off',
        ],
        saysNot: ['Your appointment'],
        method: 'CANCEL',
      },
      {
        name: 'to the provider, pending, without a reason',
        mail: { recipient: 'provider' as const, to: 'ada@clinic.example' },
        toName: 'Dr. Ada Lovelace',
        subject: 'Appointment cancelled by Grace Hopper: 2026-07-29 at 10:00',
        says: ['Hello Dr. Ada Lovelace', 'cancelled their request for an appointment with you'],
        saysNot: ['Reason given', 'calendar file'],
        method: null,
      },
    ])('$name', ({ mail: change, toName, subject, says, saysNot, method }) => {
      const mail = sut.cancellationMail(cancellation(change));

      expect(mail).toMatchObject({ to: change.to ?? 'grace@example.com', toName, subject });
      expect(mail.attachments?.map((attachment) => attachment.contentType) ?? null).toEqual(
        method ? [`text/calendar; charset=utf-8; method=${method}`] : null,
      );
      for (const words of says) {
        expect(mail.text).toContain(words);
        expect(visibleText(mail.html)).toContain(words);
      }
      for (const words of saysNot) expect(mail.text).not.toContain(words);
    });

    it('keeps a reason text in the text part and escaped in the HTML part', () => {
      const reason = 'Flooded <script>alert(1)</script> & closed\nsee you "soon"';
      const mail = sut.cancellationMail(cancellation({ reason, ics: ICS }));

      expect(mail.text).toContain(`Reason given: ${reason}`);
      expect(mail.html).not.toContain('<script>');
      expect(mail.html).toContain('Flooded &lt;script&gt;alert(1)&lt;/script&gt; &amp; closed');
    });
  });
});
