/** Time as the ledger sees it: an injected clock, calendar days in a community's time zone. */

export interface Clock {
  /** The current instant. */
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told: for tests, examples and replays. */
export class ManualClock implements Clock {
  constructor(private current: Date = new Date('2026-01-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(instant: Date | string): void {
    this.current = new Date(instant);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export const msPerDay = 86_400_000;
export const msPerHour = 3_600_000;

/** A calendar date "YYYY-MM-DD". */
export type CalendarDate = string;
export const calendarDatePattern = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError unless `timeZone` is an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  dateFormatter(timeZone);
}

export function isTimeZone(timeZone: string): boolean {
  try {
    dateFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    // en-CA formats as YYYY-MM-DD.
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Every zone's UTC offset is a whole number of quarter hours, so the local date is constant within one. */
const quarterHourMs = 15 * 60_000;
const maxMemoisedDates = 4_096;
const memoisedDates = new Map<string, CalendarDate>();

/** The calendar date of `instant` in `timeZone` (daily caps count by the community's local day). */
export function calendarDateIn(instant: Date, timeZone: string): CalendarDate {
  const key = `${timeZone}|${Math.floor(instant.getTime() / quarterHourMs)}`;
  let date = memoisedDates.get(key);
  if (date === undefined) {
    date = dateFormatter(timeZone).format(instant);
    if (memoisedDates.size >= maxMemoisedDates) memoisedDates.clear();
    memoisedDates.set(key, date);
  }
  return date;
}

/** `instant` plus whole calendar months (UTC), clamped to the month's last day: lot expiry. */
export function addMonths(instant: Date, months: number): Date {
  const result = new Date(instant.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}

export function addDays(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * msPerDay);
}
