import Handlebars from 'handlebars';
import { DateTime } from 'luxon';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../common/app-error';
import { FIRST_OPEN_DAY_LOOKAHEAD_DAYS, PickedDay, addDays } from './day-picker';
import { RenderedPage } from './html-pages';

// The pages' own Handlebars, so their partials do not leak into other templates. It escapes every
// {{value}}, as the confirmation page's does: nothing a person typed can become markup.
const pages = Handlebars.create();
const load = (name: string) => readFileSync(join(__dirname, 'templates', name), 'utf8');
pages.registerPartial('guestHead', load('guest-head.hbs'));
pages.registerPartial('dayPicker', load('day-picker.hbs'));
const bookingTemplate = pages.compile(load('booking-page.hbs'));
const manageTemplate = pages.compile(load('manage-page.hbs'));
const noticeTemplate = pages.compile(load('notice-page.hbs'));

/** `Tuesday 28 July 2026`. */
export function dateLabel(date: string): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).setLocale('en-GB').toFormat('cccc d LLLL yyyy');
}

/**
 * What a page's day picker shows; `hrefOf` makes the link to another day of the same page, from the root: a
 * page re-shown by a form's POST (/api/manage/reschedule) has another base than the GET that first showed it.
 */
function pickerView(day: PickedDay, hrefOf: (date: string) => string, checkedSlot?: number) {
  const previousDate = addDays(day.date, -1);
  const nextDate = addDays(day.date, 1);
  return {
    date: day.date,
    dateLabel: dateLabel(day.date),
    previousDate: previousDate >= day.today ? previousDate : undefined,
    previousHref: previousDate >= day.today ? hrefOf(previousDate) : undefined,
    nextDate,
    nextHref: hrefOf(nextDate),
    searched: day.searched,
    searchedDays: FIRST_OPEN_DAY_LOOKAHEAD_DAYS,
    slots: day.slots.map((slot) => ({ index: slot.index, startTime: slot.start_time, checked: slot.index === checkedSlot })),
  };
}

export interface PageError {
  message: string;
  fields?: string[];
}

export interface BookingPageFacts {
  providerId: number;
  providerName: string;
  timeZone: string;
  day: PickedDay;
  form?: { name?: string; email?: string; phone?: string; requestedSlot?: number };
  error?: PageError;
}

export function bookingPage(facts: BookingPageFacts, status = 200): RenderedPage {
  const hrefOf = (date: string) => `/api/book?provider_id=${facts.providerId}&date=${date}`;
  return {
    status,
    html: bookingTemplate({
      title: `Book with ${facts.providerName}`,
      providerId: facts.providerId,
      providerName: facts.providerName,
      timeZone: facts.timeZone,
      picker: pickerView(facts.day, hrefOf, facts.form?.requestedSlot),
      form: facts.form ?? {},
      error: facts.error,
    }),
  };
}

export interface ManagePageFacts {
  token: string;
  providerName: string;
  clientName: string;
  timeZone: string;
  date: string;
  startTime: string;
  endTime: string;
  day: PickedDay;
  error?: PageError;
}

export function managePage(facts: ManagePageFacts, status = 200): RenderedPage {
  const hrefOf = (date: string) => `/api/manage?token=${encodeURIComponent(facts.token)}&date=${date}#move`;
  return {
    status,
    html: manageTemplate({
      title: 'Your appointment',
      token: facts.token,
      timeZone: facts.timeZone,
      appointment: {
        providerName: facts.providerName,
        clientName: facts.clientName,
        dateLabel: dateLabel(facts.date),
        startTime: facts.startTime,
        endTime: facts.endTime,
      },
      picker: pickerView(facts.day, hrefOf),
      error: facts.error,
    }),
  };
}

export interface NoticeFacts {
  title: string;
  paragraphs: string[];
  facts?: { label: string; value: string }[];
  back?: { href: string; label: string };
}

export function noticePage(notice: NoticeFacts, status = 200): RenderedPage {
  return { status, html: noticeTemplate(notice) };
}

const TITLES: Partial<Record<string, string>> = {
  TOKEN_INVALID: 'Invalid link',
  LINK_SUPERSEDED: 'This link was replaced',
  PROVIDER_NOT_FOUND: 'Not found',
  APPOINTMENT_NOT_FOUND: 'Not found',
  VALIDATION_FAILED: 'Please check the address',
  SLOT_UNAVAILABLE: 'That time was just taken',
};

/** A 4xx answered to a person: what went wrong, in the error's own words, with its status. */
export function errorNoticePage(error: AppError): RenderedPage {
  return noticePage({ title: TITLES[error.code] ?? 'Something went wrong', paragraphs: [error.detail] }, error.status);
}
