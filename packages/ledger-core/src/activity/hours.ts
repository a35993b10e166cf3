/**
 * Hours of an attendance: the time present within the activity's window (never before its start, never after
 * its end or its closing), rounded to hundredths of an hour by the policy's mode — in whole numbers, so no float
 * touches an amount — and never more than the window's own length.
 */
import { Hours, type RoundingMode } from '../money.js';
import type { ActivityState, Attendance } from './state.js';

/** Milliseconds in a hundredth of an hour, the scale of every amount of hours. */
const msPerHundredthHour = 36_000;

export interface AttendedTime {
  readonly checkedInAt: string;
  readonly checkedOutAt: string;
  /** Rounded hours; "0.00" when the member was not present within the window at all. */
  readonly hours: string;
}

/** Whole hundredths as the two-place text every amount takes (1250 → "12.50"). */
function centsText(hundredths: number): string {
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
}

const later = (a: string, b: string): string => (a > b ? a : b);
const earlier = (a: string, b: string): string => (a < b ? a : b);

/** Hundredths of an hour in `ms`, rounded by `mode`. */
export function roundedHundredths(ms: number, mode: RoundingMode): number {
  const whole = Math.floor(ms / msPerHundredthHour);
  const rest = ms - whole * msPerHundredthHour;
  if (rest === 0) return whole;
  switch (mode) {
    case 'down':
      return whole;
    case 'up':
      return whole + 1;
    case 'half-up':
      return rest * 2 >= msPerHundredthHour ? whole + 1 : whole;
    case 'half-even':
      if (rest * 2 === msPerHundredthHour) return whole % 2 === 0 ? whole : whole + 1;
      return rest * 2 > msPerHundredthHour ? whole + 1 : whole;
  }
}

/** The time an attendance counts for when the activity closes at `closedAt`. */
export function attendedTime(activity: Pick<ActivityState, 'startsAt' | 'endsAt'>, attendance: Attendance, closedAt: string, mode: RoundingMode): AttendedTime {
  const from = later(attendance.checkedInAt, activity.startsAt);
  const to = earlier(earlier(attendance.checkedOutAt ?? activity.endsAt, activity.endsAt), closedAt);
  const presentMs = Math.max(0, Date.parse(to) - Date.parse(from));
  const windowHundredths = Math.floor((Date.parse(activity.endsAt) - Date.parse(activity.startsAt)) / msPerHundredthHour);
  const hundredths = Math.min(roundedHundredths(presentMs, mode), windowHundredths);
  return { checkedInAt: from, checkedOutAt: presentMs > 0 ? to : from, hours: Hours.of(centsText(hundredths)).toString() };
}
