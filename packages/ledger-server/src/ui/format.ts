/** Dates as people read them, in the community's time zone; amounts stay the ledger's decimal strings. */

/** `hourCycle: 'h23'`, not `hour12: false`, which some ICU versions render as 24:55 for five to one in the morning. */
export function dateTimeIn(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

export function dateIn(iso: string, timeZone: string): string {
  return dateTimeIn(iso, timeZone).slice(0, 10);
}

/** The calendar date today in the time zone (YYYY-MM-DD). */
export function todayIn(now: Date, timeZone: string): string {
  return dateIn(now.toISOString(), timeZone);
}

/** A decimal string's sign: the ledger's amounts are text with two places ("-5.00", "0.00"). */
export const isPositive = (amount: string): boolean => !amount.startsWith('-') && /[1-9]/.test(amount);

/**
 * The instant a wall-clock date and time ("2026-12-01", "09:30") names in the time zone, or null when either is
 * not one. Corrects a first UTC guess by the zone's offset at that guess, then once more (a DST edge).
 */
export function instantIn(date: string, time: string, timeZone: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) return null;
  const wanted = Date.parse(`${date}T${time}:00Z`);
  if (Number.isNaN(wanted)) return null;
  const shownAt = (at: number) => Date.parse(`${dateTimeIn(new Date(at).toISOString(), timeZone).replace(' ', 'T')}:00Z`);
  let guess = wanted - (shownAt(wanted) - wanted);
  guess -= shownAt(guess) - wanted;
  return new Date(guess).toISOString();
}
