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
