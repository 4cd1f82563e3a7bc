import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { parseDate } from '../scheduling/slots';
import { AppointmentView } from './dto/appointment.dto';
import { ManageCancelDto, ManageRescheduleDto } from './dto/guest-pages.dto';
import { dateLabel, managePage, noticePage } from './guest-pages';
import { RenderedPage } from './html-pages';
import { ManagedAppointment, ManageService } from './manage.service';

/** Refusals of a move that leave the link good: the page is shown again with the reason. */
const TRY_ANOTHER_TIME = new Set(['SLOT_UNAVAILABLE', 'TOO_SOON', 'TOO_FAR_AHEAD', 'LIMIT_REACHED', 'VALIDATION_FAILED']);

/** The manage link's pages: the appointment with its two forms, and the answers to those forms. */
@Injectable()
export class ManagePages {
  constructor(private readonly manage: ManageService) {}

  /** GET: shows, changes nothing. `date` picks the day of "pick another time". */
  async show(token: string, date: unknown, error?: AppError): Promise<RenderedPage> {
    const day = date === undefined || date === '' ? undefined : date;
    if (day !== undefined && !(typeof day === 'string' && parseDate(day))) {
      throw AppError.field('date', 'date must be a day of the calendar, written YYYY-MM-DD');
    }
    const managed = await this.manage.open(token);
    return this.page(managed, token, await this.manage.pickDay(managed, day), error);
  }

  async cancelFromForm(dto: ManageCancelDto): Promise<RenderedPage> {
    const cancelled = await this.manage.cancel(dto.token, dto.reason);
    return noticePage({
      title: 'Appointment cancelled',
      paragraphs: [`Your appointment on ${dateLabel(cancelled.date)} at ${cancelled.start_time} is cancelled. Its time is free again.`],
    });
  }

  async rescheduleFromForm(dto: ManageRescheduleDto): Promise<RenderedPage> {
    let moved: AppointmentView;
    try {
      moved = await this.manage.reschedule(dto.token, { date: dto.date, requested_slot: dto.requested_slot });
    } catch (error) {
      if (!(error instanceof AppError) || !TRY_ANOTHER_TIME.has(error.code)) throw error;
      // The link still acts: the page again, on the day that was tried, saying why not.
      const page = await this.show(dto.token, dto.date, error);
      return { ...page, status: error.status };
    }
    return noticePage({
      title: 'Appointment moved',
      paragraphs: [
        `Your appointment is now on ${dateLabel(moved.date)} from ${moved.start_time} to ${moved.end_time}.`,
        'An email with the new time, its calendar file and a new link is on its way; the link you used is replaced by it.',
      ],
    });
  }

  private page(managed: ManagedAppointment, token: string, day: Awaited<ReturnType<ManageService['pickDay']>>, error?: AppError) {
    const { appointment, provider } = managed;
    return managePage({
      token,
      providerName: provider.name,
      clientName: managed.clientName,
      timeZone: provider.timeZone,
      date: appointment.date,
      startTime: appointment.startTime,
      endTime: appointment.endTime,
      day,
      error: error
        ? { message: error.code === 'SLOT_UNAVAILABLE' ? 'Sorry, that time was just taken. Please pick another.' : error.detail }
        : undefined,
    });
  }
}
