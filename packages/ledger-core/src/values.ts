/**
 * Value types at the edge: every amount, factor, date and instant a command carries is parsed here, once,
 * by one transform that either yields the canonical text or reports an issue — it never throws, so no
 * input, however malformed ("8.123", "+5", "5e0", "５", "Infinity", "2023-02-29"), can crash a decision.
 * Canonical texts are what events carry: "12.50", "2026-05-01", "2026-05-01T08:00:00.000Z".
 */
import { z } from 'zod';
import { Hours, Points, amountPattern, factorPattern } from './money.js';

type AmountKind = 'points' | 'hours';

const amountExample: Record<AmountKind, string> = { points: '12.50', hours: '1.50' };

function amountText(kind: AmountKind, positive: boolean) {
  const expected = `${positive ? 'a positive' : 'a'} decimal string with at most 2 places, like "${amountExample[kind]}"`;
  return z.string().transform((text, ctx) => {
    if (!amountPattern.test(text)) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    const amount = kind === 'points' ? Points.of(text) : Hours.of(text);
    if (positive && !amount.isPositive()) {
      ctx.addIssue({ code: 'custom', message: `must be greater than zero, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return amount.toString();
  });
}

/** Points as canonical text ("50" → "50.00"); any sign. */
export const pointsText = amountText('points', false);
/** Points greater than zero. */
export const positivePointsText = amountText('points', true);
/** Hours as canonical text ("1.5" → "1.50"); any sign (rules about ranges are the deciders'). */
export const hoursText = amountText('hours', false);

/** A policy factor (points per hour, category multiplier): a non-negative decimal with at most 4 places. */
export const factorText = z.string().regex(factorPattern, 'a non-negative decimal with at most 4 places, like "1.5"');

/** A calendar date "YYYY-MM-DD" that exists (2023-02-29 does not). */
export type CalendarDateText = string;
const calendarDateShape = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(text: string): boolean {
  const match = calendarDateShape.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export const calendarDateText = z.string().refine(isCalendarDate, { message: 'a date that exists, like "2026-05-01"', abort: true });

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ`, exactly what `Date.prototype.toISOString` writes for years 0001–9999. Only called
 * on text the ISO check passed (hours 00–23, minutes and seconds 00–59) whose date exists, so the shape alone
 * says the text is already canonical.
 */
const canonicalUtcShape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const isCanonicalUtcShape = (text: string): boolean => text.length === 24 && canonicalUtcShape.test(text);

/** An instant with an explicit offset, canonicalised to UTC ("2026-05-01T08:00:00+08:00" → "2026-05-01T00:00:00.000Z"). */
export const instantText = z.iso
  .datetime({ offset: true, abort: true })
  .transform((text, ctx) => {
    const ms = Date.parse(text);
    // The ISO check accepts shapes such as hour 24 or 30 February that no clock shows; refuse them here.
    if (!Number.isFinite(ms) || !isCalendarDate(text.slice(0, 10))) {
      ctx.addIssue({ code: 'custom', message: `not an instant that exists: ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    // Text already in the canonical shape is its own canonical form; formatting a Date costs ~1 µs, a tenth
    // of parsing a whole command (bench/core.bench.ts).
    return isCanonicalUtcShape(text) ? text : new Date(ms).toISOString();
  });
