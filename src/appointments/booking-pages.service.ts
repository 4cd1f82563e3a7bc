import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AppError } from '../common/app-error';
import { parseIdText } from '../common/validators';
import { flatten } from '../common/validation-pipe';
import { ProviderEntity } from '../providers/entities/provider.entity';
import { ProvidersService } from '../providers/providers.service';
import { localDateTime, parseDate, SLOT_MINUTES } from '../scheduling/slots';
import { DayPicker } from './day-picker';
import { BookingFormDto, formInteger } from './dto/guest-pages.dto';
import { bookingPage, BookingPageFacts, dateLabel, noticePage, PageError } from './guest-pages';
import { GuestBookings } from './guest-bookings.service';
import { RenderedPage } from './html-pages';

/** Longest text of a field shown back in the form after a refusal. */
const MAX_ECHOED_LENGTH = 254;

/** What a refusal tells the person, when the error's own words are not the best. */
const FRIENDLY: Partial<Record<string, string>> = {
  SLOT_UNAVAILABLE: 'Sorry, that time was just taken or is no longer open. Please pick another.',
  VALIDATION_FAILED: 'Please check the form:',
};

type FormFields = Record<string, unknown>;

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, MAX_ECHOED_LENGTH) : undefined;
}

/** A form's text as the DTO's types: plain decimal integers become numbers, an empty phone is none. */
function asBookingForm(fields: FormFields): FormFields {
  const converted: FormFields = {
    ...fields,
    provider_id: formInteger(fields.provider_id),
    requested_slot: formInteger(fields.requested_slot),
  };
  if (converted.phone === '') delete converted.phone;
  return converted;
}

/**
 * The booking page (`/api/book`): a provider's open slots of one day and a form, for people with only
 * a browser. A post is a guest booking through the same path as the API's; a refusal shows the form
 * again, filled as it was sent, with what to change.
 */
@Injectable()
export class BookingPages {
  constructor(
    private readonly providers: ProvidersService,
    private readonly picker: DayPicker,
    private readonly guests: GuestBookings,
  ) {}

  async show(query: FormFields): Promise<RenderedPage> {
    const providerId = typeof query.provider_id === 'string' ? parseIdText(query.provider_id) : null;
    if (providerId === null) throw AppError.field('provider_id', 'provider_id must be the number of a provider, such as 124');
    const date = query.date === undefined || query.date === '' ? undefined : query.date;
    if (date !== undefined && !(typeof date === 'string' && parseDate(date))) {
      throw AppError.field('date', 'date must be a day of the calendar, written YYYY-MM-DD');
    }
    const provider = await this.providers.get(providerId);
    return bookingPage(await this.facts(provider, date));
  }

  async book(body: unknown): Promise<RenderedPage> {
    const fields: FormFields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as FormFields) : {};
    const providerId = typeof fields.provider_id === 'string' ? parseIdText(fields.provider_id) : fields.provider_id;
    if (typeof providerId !== 'number' || !Number.isSafeInteger(providerId) || providerId < 1) {
      throw AppError.field('provider_id', 'provider_id must be the number of a provider, such as 124');
    }
    const provider = await this.providers.get(providerId);
    const converted = asBookingForm(fields);
    const form = {
      name: textOf(fields.name),
      email: textOf(fields.email),
      phone: textOf(fields.phone),
      requestedSlot: typeof converted.requested_slot === 'number' ? converted.requested_slot : undefined,
    };
    const dated = typeof fields.date === 'string' && parseDate(fields.date) ? fields.date : undefined;

    const dto = plainToInstance(BookingFormDto, converted);
    const problems = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
    if (problems.length > 0) {
      const fieldErrors = flatten(problems).map((problem) => problem.message);
      return this.again(provider, dated, form, { message: FRIENDLY.VALIDATION_FAILED!, fields: fieldErrors }, 400);
    }

    try {
      const pending = await this.guests.asGuest(
        { provider_id: dto.provider_id, date: dto.date, requested_slot: dto.requested_slot },
        { name: dto.name, email: dto.email, ...(dto.phone !== undefined ? { phone: dto.phone } : {}) },
      );
      return noticePage(
        {
          title: 'Check your email',
          paragraphs: [
            `We are sending a link to ${dto.email}. Open it and press the button to confirm your appointment.`,
            `The time is held for you until ${localDateTime(Date.parse(pending.expires_at), provider.timeZone)}; nothing is booked until you confirm.`,
          ],
          facts: [
            { label: 'With', value: provider.name },
            { label: 'Date', value: dateLabel(pending.date) },
            { label: 'Time', value: `${pending.start_time} – ${pending.end_time} (${provider.timeZone})` },
          ],
        },
        202,
      );
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const fieldErrors = error.extra.errors?.map((problem) => problem.message);
      const message = FRIENDLY[error.code] ?? error.detail;
      return this.again(provider, dto.date, { ...form, requestedSlot: undefined }, { message, fields: fieldErrors }, error.status);
    }
  }

  private async again(
    provider: ProviderEntity,
    date: string | undefined,
    form: BookingPageFacts['form'],
    error: PageError,
    status: number,
  ): Promise<RenderedPage> {
    return bookingPage({ ...(await this.facts(provider, date)), form, error }, status);
  }

  private async facts(provider: ProviderEntity, date: string | undefined): Promise<BookingPageFacts> {
    const day = await this.picker.pick({ providerId: provider.id, timeZone: provider.timeZone, date, durationMinutes: SLOT_MINUTES });
    return { providerId: provider.id, providerName: provider.name, timeZone: provider.timeZone, day };
  }
}
