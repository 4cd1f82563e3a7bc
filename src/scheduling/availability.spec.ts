import { DateTime } from 'luxon';
import { BookingRules, DEFAULT_BOOKING_RULES } from './booking-rules';
import { AvailabilityFacts, openSlots, Refusal, shiftDate, SlotRef, takeable, TakenInterval, adjacentReach } from './availability';
import { daySlots, indexToWallTime, mergeIndexes, parseDate, parseWallTime, Slot, startsThatFit, windowIndexes } from './slots';

/*
 * The booking rules as one table: each row is a provider's hours (weekly hours, or the date's override),
 * a zone and a date (daylight-saving days among them), "now", the rules, and what is held or booked;
 * it states what a request gets and/or what the listing offers. Every row also checks that the listing
 * and the request agree: a start is offered for 15, 30 or 60 minutes exactly when a request may take it.
 */

type Windows = string[];

interface Taken {
  /** Default: the row's date. */
  date?: string;
  /** Wall-clock window `HH:mm`, each real slot of it taken. */
  from: string;
  to: string;
  /** Held by this hold id (lapsing at `until`, local time); otherwise booked by appointment `booked` (default 1). */
  held?: string;
  until?: string;
  booked?: number;
}

interface Row {
  case: string;
  zone?: string;
  date?: string;
  /** Windows `HH:mm-HH:mm` by ISO weekday (1 Monday … 7 Sunday). */
  weekly?: Partial<Record<number, Windows>>;
  /** The date's own hours, replacing its weekday's ([] is the day off). */
  override?: Windows;
  /** Local time in the row's zone, ISO without offset. */
  now?: string;
  rules?: Partial<BookingRules>;
  taken?: Taken[];
  except?: { appointmentId: number; holdId: string };
  /** A request: its start (`HH:mm`, or an index) and length. */
  ask?: { at: string | number; minutes?: number };
  refused?: Refusal;
  /** The start times of the slots a successful request takes. */
  takes?: string[];
  /** Its buffer slots: `HH:mm` on the row's date, `YYYY-MM-DD HH:mm` on another. */
  mustBeFree?: string[];
  /** What the listing offers, as wall-clock windows. */
  open?: Windows;
  /** When the listing changes by itself (local ISO, ms allowed), or null for never. */
  changesAt?: string | null;
}

const PARIS = 'Europe/Paris';
const NEW_YORK = 'America/New_York';
const LORD_HOWE = 'Australia/Lord_Howe';
const KOLKATA = 'Asia/Kolkata';
/** Monday to Friday, nine to five. */
const OFFICE: Partial<Record<number, Windows>> = {
  1: ['09:00-17:00'],
  2: ['09:00-17:00'],
  3: ['09:00-17:00'],
  4: ['09:00-17:00'],
  5: ['09:00-17:00'],
};
/** Tuesday 2030-03-05, asked on Monday 09:00. */
const TUESDAY = '2030-03-05';
const MONDAY_NINE = '2030-03-04T09:00';

const rows: Row[] = [
  // Weekly hours and overrides.
  {
    case: 'a weekday open by its weekly hours',
    open: ['09:00-17:00'],
    ask: { at: '09:00' },
    takes: ['09:00'],
    changesAt: '2030-03-05T09:00',
  },
  {
    case: 'two weekly windows on one weekday, with the lunch gap closed',
    weekly: { 2: ['09:00-12:00', '14:00-17:00'] },
    open: ['09:00-12:00', '14:00-17:00'],
    ask: { at: '12:00' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'a request across the lunch gap',
    weekly: { 2: ['09:00-12:00', '14:00-17:00'] },
    ask: { at: '11:45', minutes: 60 },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'a weekend day without weekly hours',
    date: '2030-03-09',
    open: [],
    ask: { at: '10:00' },
    refused: 'SLOT_UNAVAILABLE',
    changesAt: null,
  },
  {
    case: 'an override replacing the weekday’s hours (old hours refused)',
    override: ['13:00-15:00'],
    open: ['13:00-15:00'],
    ask: { at: '10:00' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'an override replacing the weekday’s hours (new hours taken)',
    override: ['13:00-15:00'],
    ask: { at: '13:00', minutes: 120 },
    takes: windowStarts('13:00', '15:00'),
  },
  { case: 'an empty override: the day off', override: [], open: [], ask: { at: '10:00' }, refused: 'SLOT_UNAVAILABLE' },
  {
    case: 'an override opening a weekend day',
    date: '2030-03-09',
    override: ['10:00-12:00'],
    open: ['10:00-12:00'],
    ask: { at: '10:00' },
    takes: ['10:00'],
  },
  {
    case: 'an override with two windows on a day whose weekly hours differ',
    weekly: { 2: ['08:00-10:00'] },
    override: ['09:00-10:00', '16:00-17:00'],
    open: ['09:00-10:00', '16:00-17:00'],
    ask: { at: '08:00' },
    refused: 'SLOT_UNAVAILABLE',
  },
  { case: 'a request ending exactly at closing', ask: { at: '16:30', minutes: 30 }, takes: ['16:30', '16:45'] },
  { case: 'a request running past closing', ask: { at: '16:45', minutes: 30 }, refused: 'SLOT_UNAVAILABLE' },
  { case: 'an index that is no slot of any day', ask: { at: 96 }, refused: 'SLOT_UNAVAILABLE' },
  {
    case: 'hours ending at 24:00, last slot taken',
    weekly: { 2: ['22:00-24:00'] },
    open: ['22:00-24:00'],
    ask: { at: '23:45' },
    takes: ['23:45'],
  },
  {
    case: 'a request running past midnight',
    weekly: { 2: ['22:00-24:00'] },
    ask: { at: '23:45', minutes: 30 },
    refused: 'SLOT_UNAVAILABLE',
  },
  { case: 'the longest request (240 minutes) inside the hours', ask: { at: '09:00', minutes: 240 }, takes: windowStarts('09:00', '13:00') },

  // Started slots and the minimum notice.
  {
    case: 'a slot starting now is started',
    now: '2030-03-05T09:00',
    ask: { at: '09:00' },
    refused: 'SLOT_UNAVAILABLE',
    open: ['09:15-17:00'],
    changesAt: '2030-03-05T09:15',
  },
  { case: 'a slot started minutes ago', now: '2030-03-05T09:07', ask: { at: '09:00' }, refused: 'SLOT_UNAVAILABLE', open: ['09:15-17:00'] },
  {
    case: 'a slot of yesterday',
    date: '2030-03-04',
    now: '2030-03-05T09:00',
    ask: { at: '10:00' },
    refused: 'SLOT_UNAVAILABLE',
    open: [],
    changesAt: null,
  },
  {
    case: 'a slot inside the notice',
    now: '2030-03-05T09:00',
    rules: { minimumNoticeMinutes: 60 },
    ask: { at: '09:45' },
    refused: 'TOO_SOON',
    open: ['10:00-17:00'],
    changesAt: '2030-03-05T09:00:00.001',
  },
  {
    case: 'a slot exactly the notice away',
    now: '2030-03-05T09:00',
    rules: { minimumNoticeMinutes: 60 },
    ask: { at: '10:00', minutes: 30 },
    takes: ['10:00', '10:15'],
  },
  {
    case: 'a day’s notice, one slot short',
    now: '2030-03-04T10:00',
    rules: { minimumNoticeMinutes: 1440 },
    ask: { at: '09:45' },
    refused: 'TOO_SOON',
    open: ['10:00-17:00'],
  },
  {
    case: 'a day’s notice, just met',
    now: '2030-03-04T10:00',
    rules: { minimumNoticeMinutes: 1440 },
    ask: { at: '10:00' },
    takes: ['10:00'],
  },
  {
    case: 'a started slot is answered as unavailable before the notice',
    now: '2030-03-05T09:30',
    rules: { minimumNoticeMinutes: 60 },
    ask: { at: '09:00' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'the notice is answered before the horizon',
    date: '2030-03-07',
    rules: { minimumNoticeMinutes: 43_200, bookingHorizonDays: 1 },
    ask: { at: '10:00' },
    refused: 'TOO_SOON',
    open: [],
  },
  {
    case: 'a notice of 30 minutes closes each slot 30 minutes before it starts',
    now: '2030-03-05T08:00',
    weekly: { 2: ['10:00-11:00'] },
    rules: { minimumNoticeMinutes: 30 },
    open: ['10:00-11:00'],
    changesAt: '2030-03-05T09:30:00.001',
  },

  // The horizon, counted from the provider's own today.
  {
    case: 'tomorrow with a horizon of one day',
    rules: { bookingHorizonDays: 1 },
    ask: { at: '10:00' },
    takes: ['10:00'],
    open: ['09:00-17:00'],
  },
  {
    case: 'the day after tomorrow with a horizon of one day',
    date: '2030-03-06',
    rules: { bookingHorizonDays: 1 },
    ask: { at: '10:00' },
    refused: 'TOO_FAR_AHEAD',
    open: [],
    changesAt: null,
  },
  {
    case: 'the last day of the default horizon (365)',
    date: shiftDate('2030-03-04', 365),
    weekly: { 2: ['09:00-10:00'], 3: ['09:00-10:00'] },
    ask: { at: '09:00' },
    takes: ['09:00'],
  },
  {
    case: 'a day past the default horizon',
    date: shiftDate('2030-03-04', 366),
    weekly: { 3: ['09:00-10:00'], 4: ['09:00-10:00'] },
    ask: { at: '09:00' },
    refused: 'TOO_FAR_AHEAD',
  },
  {
    case: 'Kolkata: today is already the next UTC day (horizon 1 reaches the 6th)',
    zone: KOLKATA,
    date: '2030-03-06',
    now: '2030-03-05T01:30',
    rules: { bookingHorizonDays: 1 },
    ask: { at: '10:00' },
    takes: ['10:00'],
  },
  {
    case: 'Kolkata: horizon 1 refuses the 7th',
    zone: KOLKATA,
    date: '2030-03-07',
    now: '2030-03-05T01:30',
    rules: { bookingHorizonDays: 1 },
    ask: { at: '10:00' },
    refused: 'TOO_FAR_AHEAD',
  },
  {
    case: 'New York: today is still the previous UTC day (horizon 1 refuses the 6th)',
    zone: NEW_YORK,
    date: '2030-03-06',
    now: '2030-03-04T22:00',
    rules: { bookingHorizonDays: 1 },
    ask: { at: '10:00' },
    refused: 'TOO_FAR_AHEAD',
  },

  // Buffers around held and booked appointments.
  {
    case: 'buffer 15: 10:30 right after a 10:00–10:30 booking is refused',
    rules: { bufferMinutes: 15 },
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '10:30' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'buffer 15: 10:45 after a 10:00–10:30 booking is free',
    rules: { bufferMinutes: 15 },
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '10:45' },
    takes: ['10:45'],
    mustBeFree: ['10:30', '11:00'],
    open: ['09:00-09:45', '10:45-17:00'],
  },
  {
    case: 'buffer 15: 09:45 right before a 10:00 booking is refused',
    rules: { bufferMinutes: 15 },
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '09:45' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'buffer 15: 09:15–09:45 ends a buffer before a 10:00 booking',
    rules: { bufferMinutes: 15 },
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '09:15', minutes: 30 },
    takes: ['09:15', '09:30'],
    mustBeFree: ['09:00', '09:45'],
  },
  {
    case: 'buffer 30: 09:15 is free before a 10:00 booking',
    rules: { bufferMinutes: 30 },
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '09:15' },
    takes: ['09:15'],
    mustBeFree: ['08:45', '09:00', '09:30', '09:45'],
  },
  {
    case: 'buffer 30: 09:30 is refused before a 10:00 booking',
    rules: { bufferMinutes: 30 },
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '09:30' },
    refused: 'SLOT_UNAVAILABLE',
    open: ['09:00-09:30', '11:00-17:00'],
  },
  {
    case: 'buffer 15 around a hold as around a booking',
    rules: { bufferMinutes: 15 },
    taken: [{ from: '10:00', to: '10:30', held: 'h1' }],
    ask: { at: '10:30' },
    refused: 'SLOT_UNAVAILABLE',
    open: ['09:00-09:45', '10:45-17:00'],
  },
  {
    case: 'no buffer: back to back after a booking',
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '10:30' },
    takes: ['10:30'],
    mustBeFree: [],
  },
  {
    case: 'no buffer: back to back before a booking',
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '09:30', minutes: 30 },
    takes: ['09:30', '09:45'],
  },
  {
    case: 'no buffer: overlapping a booking by one slot',
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '09:45', minutes: 30 },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'buffer 15: a multi-slot request whose last slot is in the buffer',
    rules: { bufferMinutes: 15 },
    taken: [{ from: '11:00', to: '11:30' }],
    ask: { at: '10:00', minutes: 60 },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'buffer 15: a multi-slot request ending a buffer short',
    rules: { bufferMinutes: 15 },
    taken: [{ from: '11:00', to: '11:30' }],
    ask: { at: '10:00', minutes: 45 },
    takes: ['10:00', '10:15', '10:30'],
    mustBeFree: ['09:45', '10:45'],
  },
  {
    case: 'buffer 60: four slots kept free each side',
    rules: { bufferMinutes: 60 },
    ask: { at: '12:00', minutes: 30 },
    takes: ['12:00', '12:15'],
    mustBeFree: ['11:00', '11:15', '11:30', '11:45', '12:30', '12:45', '13:00', '13:15'],
  },
  {
    case: 'buffer 15: buffers need not lie inside the hours',
    rules: { bufferMinutes: 15 },
    ask: { at: '09:00' },
    takes: ['09:00'],
    mustBeFree: ['08:45', '09:15'],
  },
  {
    case: 'buffer 15: a booking outside today’s hours still keeps its buffer',
    rules: { bufferMinutes: 15 },
    taken: [{ from: '08:30', to: '09:00' }],
    ask: { at: '09:00' },
    refused: 'SLOT_UNAVAILABLE',
    open: ['09:15-17:00'],
  },
  {
    case: 'buffer 15: two bookings 30 minutes apart leave nothing between',
    rules: { bufferMinutes: 15 },
    taken: [
      { from: '10:00', to: '10:30' },
      { from: '11:00', to: '11:30' },
    ],
    open: ['09:00-09:45', '11:45-17:00'],
  },
  {
    case: 'buffer 15: two bookings 45 minutes apart leave the middle slot',
    rules: { bufferMinutes: 15 },
    taken: [
      { from: '10:00', to: '10:30' },
      { from: '11:15', to: '11:45' },
    ],
    ask: { at: '10:45' },
    takes: ['10:45'],
  },
  {
    case: 'buffer 120: the largest buffer',
    rules: { bufferMinutes: 120 },
    taken: [{ from: '12:00', to: '12:15' }],
    open: ['09:00-10:00', '14:15-17:00'],
  },

  // Buffers across midnight, both ways.
  {
    case: 'buffer 30 across midnight backwards: a late booking the day before blocks 00:00 and 00:15',
    override: ['00:00-02:00'],
    rules: { bufferMinutes: 30 },
    taken: [{ date: '2030-03-04', from: '23:30', to: '24:00' }],
    open: ['00:30-02:00'],
  },
  {
    case: 'buffer 30 across midnight backwards: 00:15 refused',
    override: ['00:00-02:00'],
    rules: { bufferMinutes: 30 },
    taken: [{ date: '2030-03-04', from: '23:30', to: '24:00' }],
    ask: { at: '00:15' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'buffer 30 across midnight forwards: an early booking the next day blocks 23:45 and 23:30',
    weekly: { 2: ['22:00-24:00'] },
    rules: { bufferMinutes: 30 },
    taken: [{ date: '2030-03-06', from: '00:00', to: '00:30' }],
    open: ['22:00-23:30'],
    ask: { at: '23:30' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'buffer 15 across midnight forwards: 23:30 is free before a 00:00 booking',
    weekly: { 2: ['22:00-24:00'] },
    rules: { bufferMinutes: 15 },
    taken: [{ date: '2030-03-06', from: '00:00', to: '00:30' }],
    ask: { at: '23:30' },
    takes: ['23:30'],
    mustBeFree: ['23:15', '23:45'],
  },
  {
    case: 'buffer 30 across midnight: buffer slots of the next date',
    weekly: { 2: ['22:00-24:00'] },
    rules: { bufferMinutes: 30 },
    ask: { at: '23:45' },
    takes: ['23:45'],
    mustBeFree: ['23:15', '23:30', '2030-03-06 00:00', '2030-03-06 00:15'],
  },
  {
    case: 'buffer 30 across midnight: buffer slots of the previous date',
    override: ['00:00-02:00'],
    rules: { bufferMinutes: 30 },
    ask: { at: '00:00' },
    takes: ['00:00'],
    mustBeFree: ['2030-03-04 23:30', '2030-03-04 23:45', '00:15', '00:30'],
  },
  {
    case: 'buffer 30: a booking the next day beyond the buffer',
    weekly: { 2: ['22:00-24:00'] },
    rules: { bufferMinutes: 30 },
    taken: [{ date: '2030-03-06', from: '00:30', to: '01:00' }],
    ask: { at: '23:45' },
    takes: ['23:45'],
  },
  {
    case: 'buffer 15 across midnight in Kolkata: a hold the evening before',
    zone: KOLKATA,
    override: ['00:00-01:00'],
    rules: { bufferMinutes: 15 },
    taken: [{ date: '2030-03-04', from: '23:45', to: '24:00', held: 'h9' }],
    open: ['00:15-01:00'],
    ask: { at: '00:00' },
    refused: 'SLOT_UNAVAILABLE',
  },

  // Holds, their lapse, and the appointment being moved.
  {
    case: 'a held slot is refused',
    taken: [{ from: '10:00', to: '10:15', held: 'h1' }],
    ask: { at: '10:00' },
    refused: 'SLOT_UNAVAILABLE',
    open: ['09:00-10:00', '10:15-17:00'],
  },
  {
    case: 'a request over a held slot in its middle',
    taken: [{ from: '10:15', to: '10:30', held: 'h1' }],
    ask: { at: '10:00', minutes: 45 },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'a hold that has lapsed takes nothing',
    taken: [{ from: '10:00', to: '10:15', held: 'h1', until: '2030-03-04T08:59' }],
    ask: { at: '10:00' },
    takes: ['10:00'],
  },
  {
    case: 'the moved appointment’s own booking does not count',
    taken: [{ from: '10:00', to: '10:30', booked: 7 }],
    except: { appointmentId: 7, holdId: 'h7' },
    ask: { at: '10:15', minutes: 30 },
    takes: ['10:15', '10:30'],
  },
  {
    case: 'nor its own buffer',
    rules: { bufferMinutes: 15 },
    taken: [{ from: '10:00', to: '10:30', booked: 7 }],
    except: { appointmentId: 7, holdId: 'h7' },
    ask: { at: '10:30' },
    takes: ['10:30'],
  },
  {
    case: 'nor its own hold',
    taken: [{ from: '10:00', to: '10:30', held: 'h7' }],
    except: { appointmentId: 7, holdId: 'h7' },
    ask: { at: '10:00' },
    takes: ['10:00'],
  },
  {
    case: 'but another booking does',
    taken: [
      { from: '10:00', to: '10:30', booked: 7 },
      { from: '10:45', to: '11:00', booked: 8 },
    ],
    except: { appointmentId: 7, holdId: 'h7' },
    ask: { at: '10:15', minutes: 45 },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'the listing changes when a hold lapses before its slot',
    now: '2030-03-05T09:00',
    weekly: { 2: ['10:00-11:00'] },
    taken: [{ from: '10:00', to: '11:00', held: 'h1', until: '2030-03-05T09:30' }],
    open: [],
    changesAt: '2030-03-05T09:30',
  },
  {
    case: 'not when the hold lapses after its slot started',
    now: '2030-03-05T09:00',
    weekly: { 2: ['10:00-10:15'] },
    taken: [{ from: '10:00', to: '10:15', held: 'h1', until: '2030-03-05T10:05' }],
    open: [],
    changesAt: null,
  },
  {
    case: 'not when the hold lapses after the notice closed its slot',
    now: '2030-03-05T09:00',
    weekly: { 2: ['10:00-10:15'] },
    rules: { minimumNoticeMinutes: 60 },
    taken: [{ from: '10:00', to: '10:15', held: 'h1', until: '2030-03-05T09:01' }],
    open: [],
    changesAt: null,
  },
  {
    case: 'a hold lapsing frees the slots of its buffer',
    now: '2030-03-05T09:00',
    weekly: { 2: ['10:15-10:30'] },
    rules: { bufferMinutes: 15 },
    taken: [{ from: '10:00', to: '10:15', held: 'h1', until: '2030-03-05T09:40' }],
    open: [],
    changesAt: '2030-03-05T09:40',
  },
  {
    case: 'the last of two holds around a slot decides when it opens',
    now: '2030-03-05T09:00',
    weekly: { 2: ['10:15-10:30'] },
    rules: { bufferMinutes: 15 },
    taken: [
      { from: '10:00', to: '10:15', held: 'h1', until: '2030-03-05T09:20' },
      { from: '10:30', to: '10:45', held: 'h2', until: '2030-03-05T09:50' },
    ],
    open: [],
    changesAt: '2030-03-05T09:50',
  },
  {
    case: 'a booking beside a hold keeps the slot closed',
    now: '2030-03-05T09:00',
    weekly: { 2: ['10:15-10:30'] },
    rules: { bufferMinutes: 15 },
    taken: [
      { from: '10:00', to: '10:15', held: 'h1', until: '2030-03-05T09:20' },
      { from: '10:30', to: '10:45' },
    ],
    open: [],
    changesAt: null,
  },

  // Daylight-saving days.
  {
    case: 'Paris, spring: 02:00–03:00 does not exist',
    zone: PARIS,
    date: '2030-03-31',
    override: ['01:00-04:00'],
    open: ['01:00-02:00', '03:00-04:00'],
    ask: { at: '02:00' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'Paris, spring: 30 minutes from 01:45 run across the jump',
    zone: PARIS,
    date: '2030-03-31',
    override: ['01:00-04:00'],
    ask: { at: '01:45', minutes: 30 },
    takes: ['01:45', '03:00'],
  },
  {
    case: 'Paris, spring: buffer 15 in real time, 01:45 touches a 03:00 booking',
    zone: PARIS,
    date: '2030-03-31',
    override: ['01:00-04:00'],
    rules: { bufferMinutes: 15 },
    taken: [{ from: '03:00', to: '03:15' }],
    ask: { at: '01:45' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'Paris, spring: buffer 15, 01:30 is a buffer away from 03:00',
    zone: PARIS,
    date: '2030-03-31',
    override: ['01:00-04:00'],
    rules: { bufferMinutes: 15 },
    taken: [{ from: '03:00', to: '03:15' }],
    ask: { at: '01:30' },
    takes: ['01:30'],
    mustBeFree: ['01:15', '01:45'],
  },
  {
    case: 'Paris, autumn: every wall-clock slot exists once',
    zone: PARIS,
    date: '2030-10-27',
    override: ['01:00-04:00'],
    open: ['01:00-04:00'],
    ask: { at: '02:00', minutes: 60 },
    takes: ['02:00', '02:15', '02:30', '02:45'],
  },
  {
    case: 'Paris, autumn: 01:45 cannot run into the hour that repeats',
    zone: PARIS,
    date: '2030-10-27',
    override: ['01:00-04:00'],
    ask: { at: '01:45', minutes: 30 },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'Paris, autumn: buffer 60 counts the repeated hour (01:45 is an hour before 02:00)',
    zone: PARIS,
    date: '2030-10-27',
    override: ['01:00-04:00'],
    rules: { bufferMinutes: 60 },
    taken: [{ from: '02:00', to: '02:15' }],
    ask: { at: '01:45' },
    takes: ['01:45'],
    mustBeFree: ['00:45', '01:00', '01:15', '01:30'],
  },
  {
    case: 'New York, spring: 01:30 sits in the buffer of a 03:00 booking',
    zone: NEW_YORK,
    date: '2030-03-10',
    override: ['00:00-06:00'],
    rules: { bufferMinutes: 30 },
    taken: [{ from: '03:00', to: '03:30' }],
    ask: { at: '01:30' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'New York, spring: 01:15 ends a buffer before it',
    zone: NEW_YORK,
    date: '2030-03-10',
    override: ['00:00-06:00'],
    rules: { bufferMinutes: 30 },
    taken: [{ from: '03:00', to: '03:30' }],
    ask: { at: '01:15' },
    takes: ['01:15'],
    open: ['00:00-01:30', '04:00-06:00'],
  },
  {
    case: 'New York, autumn: 00:45 cannot run into the repeated hour',
    zone: NEW_YORK,
    date: '2030-11-03',
    override: ['00:00-03:00'],
    ask: { at: '00:45', minutes: 30 },
    refused: 'SLOT_UNAVAILABLE',
    open: ['00:00-03:00'],
  },
  {
    case: 'New York, autumn: the repeated hour is taken once',
    zone: NEW_YORK,
    date: '2030-11-03',
    override: ['00:00-03:00'],
    ask: { at: '01:00', minutes: 60 },
    takes: ['01:00', '01:15', '01:30', '01:45'],
  },
  {
    case: 'Lord Howe, April: the 30-minute fall-back leaves 01:15 no next slot',
    zone: LORD_HOWE,
    date: '2030-04-07',
    override: ['01:00-03:00'],
    ask: { at: '01:15', minutes: 30 },
    refused: 'SLOT_UNAVAILABLE',
    open: ['01:00-03:00'],
  },
  {
    case: 'Lord Howe, April: 01:30 onwards is taken once',
    zone: LORD_HOWE,
    date: '2030-04-07',
    override: ['01:00-03:00'],
    ask: { at: '01:30', minutes: 45 },
    takes: ['01:30', '01:45', '02:00'],
  },
  {
    case: 'Lord Howe, October: 02:00 and 02:15 do not exist',
    zone: LORD_HOWE,
    date: '2030-10-06',
    override: ['01:00-04:00'],
    open: ['01:00-02:00', '02:30-04:00'],
    ask: { at: '02:15' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'Lord Howe, October: 01:45 for 30 minutes runs across the half-hour jump',
    zone: LORD_HOWE,
    date: '2030-10-06',
    override: ['01:00-04:00'],
    ask: { at: '01:45', minutes: 30 },
    takes: ['01:45', '02:30'],
  },
  {
    case: 'Lord Howe, October: buffer 15 in real time around a 02:30 booking',
    zone: LORD_HOWE,
    date: '2030-10-06',
    override: ['01:00-04:00'],
    rules: { bufferMinutes: 15 },
    taken: [{ from: '02:30', to: '02:45' }],
    open: ['01:00-01:45', '03:00-04:00'],
  },
  {
    case: 'Kolkata: buffer 15 after a 10:00–10:30 booking (10:45 free)',
    zone: KOLKATA,
    rules: { bufferMinutes: 15 },
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '10:45' },
    takes: ['10:45'],
    open: ['09:00-09:45', '10:45-17:00'],
  },
  {
    case: 'Kolkata: buffer 15 after a 10:00–10:30 booking (10:30 refused)',
    zone: KOLKATA,
    rules: { bufferMinutes: 15 },
    taken: [{ from: '10:00', to: '10:30' }],
    ask: { at: '10:30' },
    refused: 'SLOT_UNAVAILABLE',
  },
  {
    case: 'Kolkata: notice from a half-hour offset',
    zone: KOLKATA,
    now: '2030-03-05T09:10',
    rules: { minimumNoticeMinutes: 30 },
    ask: { at: '09:30' },
    refused: 'TOO_SOON',
    open: ['09:45-17:00'],
  },
];

/** Every start in [from, to), 15 minutes apart. */
function windowStarts(from: string, to: string): string[] {
  return windowIndexes(parseWallTime(from)!, parseWallTime(to)!).map(indexToWallTime);
}

function hoursOf(row: Row, date: string, slots: readonly Slot[]): Set<number> {
  const weekday = DateTime.fromISO(date).weekday;
  const windows = row.override ?? (row.weekly ?? OFFICE)[weekday] ?? [];
  const indexes = new Set(
    windows.flatMap((window) => {
      const [from, to] = window.split('-');
      return windowIndexes(parseWallTime(from)!, parseWallTime(to)!);
    }),
  );
  return new Set(slots.filter((slot) => indexes.has(slot.index)).map((slot) => slot.index));
}

function instant(local: string, zone: string): number {
  const parsed = DateTime.fromISO(local, { zone });
  if (!parsed.isValid) throw new Error(`bad time ${local}`);
  return parsed.toMillis();
}

function factsOf(row: Row): AvailabilityFacts {
  const zone = row.zone ?? PARIS;
  const date = row.date ?? TUESDAY;
  const nowMs = instant(row.now ?? MONDAY_NINE, zone);
  const slots = daySlots(parseDate(date)!, zone);
  const taken: TakenInterval[] = (row.taken ?? []).flatMap((entry) => {
    const on = entry.date ?? date;
    const wanted = new Set(windowIndexes(parseWallTime(entry.from)!, parseWallTime(entry.to)!));
    return daySlots(parseDate(on)!, zone)
      .filter((slot) => wanted.has(slot.index))
      .map((slot) =>
        entry.held !== undefined
          ? {
              startMs: slot.startMs,
              endMs: slot.endMs,
              holdId: entry.held,
              until: entry.until ? instant(entry.until, zone) : nowMs + 86_400_000,
            }
          : { startMs: slot.startMs, endMs: slot.endMs, appointmentId: entry.booked ?? 1 },
      );
  });
  return {
    date,
    timeZone: zone,
    slots,
    hours: hoursOf(row, date, slots),
    nowMs,
    today: DateTime.fromMillis(nowMs, { zone }).toISODate()!,
    rules: { ...DEFAULT_BOOKING_RULES, ...row.rules },
    taken,
    except: row.except,
  };
}

function windowsOf(open: Iterable<number>): string[] {
  return mergeIndexes(open).map((range) => `${indexToWallTime(range.start)}-${indexToWallTime(range.end)}`);
}

function indexOf(at: string | number): number {
  return typeof at === 'number' ? at : parseWallTime(at)! / 15;
}

function refLabel(ref: SlotRef, date: string): string {
  const wall = indexToWallTime(ref.index);
  return ref.date === date ? wall : `${ref.date} ${wall}`;
}

describe('availability', () => {
  it('has at least 60 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(60);
  });

  describe.each(rows)('$case', (row) => {
    const facts = factsOf(row);

    if (row.ask) {
      const ask = row.ask;
      it(row.refused ? `refuses the request: ${row.refused}` : 'takes the request', () => {
        const verdict = takeable(facts, indexOf(ask.at), (ask.minutes ?? 15) / 15);
        if (row.refused) {
          expect(verdict).toEqual({ ok: false, refusal: row.refused });
          return;
        }
        if (!verdict.ok) throw new Error(`refused: ${verdict.refusal}`);
        if (row.takes) expect(verdict.slots.map((slot) => indexToWallTime(slot.index))).toEqual(row.takes);
        if (row.mustBeFree) expect(verdict.mustBeFree.map((ref) => refLabel(ref, facts.date))).toEqual(row.mustBeFree);
      });
    }

    if (row.open || row.changesAt !== undefined) {
      it('lists what it should', () => {
        const listed = openSlots(facts);
        if (row.open) expect(windowsOf([...listed.open].sort((a, b) => a - b))).toEqual(row.open);
        if (row.changesAt !== undefined) {
          expect(listed.changesAt).toBe(row.changesAt === null ? undefined : instant(row.changesAt, facts.timeZone));
        }
      });
    }

    it('offers in the listing exactly the starts a request may take (15, 30 and 60 minutes)', () => {
      const { open } = openSlots(facts);
      for (const slotCount of [1, 2, 4]) {
        const offered = new Set(startsThatFit(facts.slots, open, slotCount).map((slot) => slot.index));
        for (const slot of facts.slots) {
          expect({ index: slot.index, slotCount, takeable: takeable(facts, slot.index, slotCount).ok }).toEqual({
            index: slot.index,
            slotCount,
            takeable: offered.has(slot.index),
          });
        }
      }
    });
  });
});

describe('adjacentReach', () => {
  it.each([
    { case: 'nothing without a buffer', hours: ['00:00-24:00'], buffer: 0, reach: [] },
    { case: 'nothing when the hours stay a buffer away from midnight', hours: ['09:00-17:00'], buffer: 120, reach: [] },
    { case: 'the evening before for early hours', hours: ['00:30-02:00'], buffer: 60, reach: ['2030-03-04 23:30', '2030-03-04 23:45'] },
    { case: 'the morning after for late hours', hours: ['22:00-24:00'], buffer: 30, reach: ['2030-03-06 00:00', '2030-03-06 00:15'] },
  ])('is $case', ({ hours, buffer, reach }) => {
    const facts = factsOf({ case: '', override: hours });
    const refs = adjacentReach(facts.date, facts.timeZone, facts.slots, facts.hours, buffer);
    expect(refs.map((ref) => refLabel(ref, facts.date))).toEqual(reach);
  });
});
