/**
 * Exact amounts (DESIGN §4 rule 4). Points and hours are fixed-point decimals with two places: integer
 * hundredths inside, strings ("12.50") everywhere else. No float ever touches a balance: the only ways in
 * are a strict decimal string, another amount, or a whole count, and every result is range-checked.
 *
 * Why safe integers and not bigint: hundredths held in a JS number are exact as long as they stay below
 * 2^53 (≈ 9.007·10^15). The magnitude limit is therefore 10^13 whole points or hours (hundredths < 10^15),
 * so the sum or difference of two in-range amounts (< 2·10^15) is still exact *before* it is checked; a
 * product with a whole count may be inexact only when it is already ≥ 10^15 and refused. 10^13 is ten
 * trillion points: far beyond any community. bigint would have kept the former limit (10^15) but cost
 * ~1.6× as much per operation when measured (see the root README, "Range of an amount").
 *
 * decimal.js stays where factors and rounding are: `pointsForHours`, once, at accrual.
 */
import { Decimal } from 'decimal.js';

/** A private decimal.js constructor so the embedding app's global Decimal settings cannot change ours. */
const Exact = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });

/** Places after the decimal point for every stored amount. */
export const amountScale = 2;
/** Hundredths in one whole point or hour (10^amountScale). */
const hundredthsPerUnit = 100;
/**
 * Most digits before the decimal point: |amount| < 10^13. Chosen so that hundredths, and the sum of any
 * two in-range amounts, are safe integers (asserted below).
 */
export const maxAmountDigits = 13;
/** 10^15: no amount's hundredths reach this magnitude. */
const hundredthsLimit = 10 ** (maxAmountDigits + amountScale);
if (!Number.isSafeInteger(2 * hundredthsLimit)) {
  throw new Error(`money: 2 × 10^${maxAmountDigits + amountScale} hundredths must be a safe integer, so a sum is exact before its range check`);
}

/**
 * The textual form every amount takes on the wire and in events: an optional minus, up to 13 whole digits,
 * up to two decimals. Its groups capture the sign, the whole units and the fraction digits.
 */
export const amountPattern = /^(-?)(0|[1-9]\d{0,12})(?:\.(\d{1,2}))?$/;

/** Milliseconds in a hundredth of an hour (36 s). */
const msPerHundredthHour = 36_000;

export type RoundingMode = 'half-up' | 'half-even' | 'down' | 'up';
const roundingModes: Record<RoundingMode, Decimal.Rounding> = {
  'half-up': Decimal.ROUND_HALF_UP,
  'half-even': Decimal.ROUND_HALF_EVEN,
  down: Decimal.ROUND_DOWN,
  up: Decimal.ROUND_UP,
};

/** Character codes the amount scanner looks at. */
const minusCode = 45;
const pointCode = 46;
const zeroCode = 48;
const nineCode = 57;

/**
 * "12.5" → 1250, "-3" → -300; anything else (a number, "1e3", "0.125", 14 whole digits) is refused.
 * Exactly the language of `amountPattern`, scanned by hand: every stored amount passes here when a stream is
 * folded, and the regular expression's match array and substrings were a sixth of a fold's time.
 */
function parseHundredths(text: string, unit: string): number {
  const hundredths = typeof text === 'string' ? scanHundredths(text) : null;
  if (hundredths === null) {
    throw new RangeError(
      `not a ${unit} amount: ${describeInput(text)}; expected a decimal string with at most ${amountScale} places and ${maxAmountDigits} whole digits, like "12.50"`,
    );
  }
  return hundredths;
}

/** The hundredths `text` stands for if it matches `amountPattern`, else null. */
function scanHundredths(text: string): number | null {
  const length = text.length;
  let i = text.charCodeAt(0) === minusCode ? 1 : 0;
  const negative = i === 1;
  const wholeStart = i;
  let whole = 0;
  for (; i < length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < zeroCode || code > nineCode) break;
    whole = whole * 10 + (code - zeroCode);
  }
  const wholeDigits = i - wholeStart;
  if (wholeDigits === 0 || wholeDigits > maxAmountDigits || (wholeDigits > 1 && text.charCodeAt(wholeStart) === zeroCode)) return null;
  let fraction = 0;
  if (i < length) {
    if (text.charCodeAt(i) !== pointCode) return null;
    const fractionDigits = length - i - 1;
    if (fractionDigits < 1 || fractionDigits > amountScale) return null;
    for (i += 1; i < length; i += 1) {
      const code = text.charCodeAt(i);
      if (code < zeroCode || code > nineCode) return null;
      fraction = fraction * 10 + (code - zeroCode);
    }
    if (fractionDigits === 1) fraction *= 10;
  }
  const magnitude = whole * hundredthsPerUnit + fraction;
  return negative && magnitude !== 0 ? -magnitude : magnitude; // "-0.00" is zero, not -0
}

/** The refused input as a reader would want to see it; never throws (a bigint or symbol would break JSON.stringify). */
function describeInput(input: unknown): string {
  return typeof input === 'string' ? JSON.stringify(input) : `${typeof input} ${String(input)}`;
}

/** Every arithmetic result passes here: in range, a whole number of hundredths, never -0. */
function checkedHundredths(value: number, unit: string, operation: string): number {
  if (!(value < hundredthsLimit && value > -hundredthsLimit) || !Number.isInteger(value)) {
    throw new RangeError(
      `${unit} amount out of range: ${operation} gives ${Number.isSafeInteger(value) ? formatHundredths(value) : `about ${value / hundredthsPerUnit}`}; amounts must stay below 10^${maxAmountDigits} in magnitude`,
    );
  }
  return value + 0; // -0 + 0 is 0: one zero, so equality and toString agree
}

function formatHundredths(value: number): string {
  const magnitude = value < 0 ? -value : value;
  const fraction = magnitude % hundredthsPerUnit;
  return `${value < 0 ? '-' : ''}${(magnitude - fraction) / hundredthsPerUnit}.${fraction < 10 ? '0' : ''}${fraction}`;
}

/** Shared arithmetic of a fixed-scale amount; `unit` keeps points and hours from being mixed up. */
abstract class FixedAmount<Self extends FixedAmount<Self>> {
  /** The amount in hundredths: a safe integer, |hundredths| < 10^15. */
  protected constructor(readonly hundredths: number) {}
  protected abstract make(hundredths: number, operation: string): Self;

  // Adding or taking away nothing gives this very amount (amounts are immutable): a fold settles a zero
  // deficit and adds zero-point lots often, and each new object is work for the garbage collector.
  plus(other: Self): Self {
    return other.hundredths === 0 ? (this as unknown as Self) : this.make(this.hundredths + other.hundredths, 'plus');
  }
  minus(other: Self): Self {
    return other.hundredths === 0 ? (this as unknown as Self) : this.make(this.hundredths - other.hundredths, 'minus');
  }
  negated(): Self {
    return this.make(-this.hundredths, 'negated');
  }
  min(other: Self): Self {
    return this.lte(other) ? (this as unknown as Self) : other;
  }
  max(other: Self): Self {
    return this.gte(other) ? (this as unknown as Self) : other;
  }
  compare(other: Self): -1 | 0 | 1 {
    return this.hundredths < other.hundredths ? -1 : this.hundredths > other.hundredths ? 1 : 0;
  }
  eq(other: Self): boolean {
    return this.hundredths === other.hundredths;
  }
  lt(other: Self): boolean {
    return this.hundredths < other.hundredths;
  }
  lte(other: Self): boolean {
    return this.hundredths <= other.hundredths;
  }
  gt(other: Self): boolean {
    return this.hundredths > other.hundredths;
  }
  gte(other: Self): boolean {
    return this.hundredths >= other.hundredths;
  }
  isZero(): boolean {
    return this.hundredths === 0;
  }
  isNegative(): boolean {
    return this.hundredths < 0;
  }
  isPositive(): boolean {
    return this.hundredths > 0;
  }
  /**
   * The amount taken a whole number of times (a price × a quantity). Exact: a product below the limit is a
   * safe integer; one at or above it is refused (a float product rounds monotonically, so it cannot fall
   * back under the limit).
   */
  times(count: number): Self {
    if (!Number.isSafeInteger(count)) throw new RangeError(`not a whole count: ${count}`);
    return this.make(this.hundredths * count, `times ${count}`);
  }
  /** Always two places: "12.50", "-3.00". */
  toString(): string {
    return formatHundredths(this.hundredths);
  }
  toJSON(): string {
    return this.toString();
  }
}

/** 积分: spendable points. */
export class Points extends FixedAmount<Points> {
  readonly unit = 'points' as const;
  static readonly zero = new Points(0);

  static of(text: string): Points {
    const hundredths = parseHundredths(text, 'points');
    return hundredths === 0 ? Points.zero : new Points(hundredths);
  }
  /** From integer hundredths (a stored snapshot); range-checked like every result. */
  static fromHundredths(hundredths: number): Points {
    return new Points(checkedHundredths(hundredths, 'points', 'fromHundredths'));
  }
  /** Every partial sum is range-checked, as a running `plus` would be. */
  static sum(amounts: Iterable<Points>): Points {
    let total = 0;
    for (const amount of amounts) total = checkedHundredths(total + amount.hundredths, 'points', 'sum');
    return new Points(total);
  }
  protected make(hundredths: number, operation: string): Points {
    return new Points(checkedHundredths(hundredths, 'points', operation));
  }
}

/** 服务时长: hours of service. */
export class Hours extends FixedAmount<Hours> {
  readonly unit = 'hours' as const;
  static readonly zero = new Hours(0);

  static of(text: string): Hours {
    const hundredths = parseHundredths(text, 'hours');
    return hundredths === 0 ? Hours.zero : new Hours(hundredths);
  }
  /** From integer hundredths (a stored snapshot); range-checked like every result. */
  static fromHundredths(hundredths: number): Hours {
    return new Hours(checkedHundredths(hundredths, 'hours', 'fromHundredths'));
  }
  /** Every partial sum is range-checked, as a running `plus` would be. */
  static sum(amounts: Iterable<Hours>): Hours {
    let total = 0;
    for (const amount of amounts) total = checkedHundredths(total + amount.hundredths, 'hours', 'sum');
    return new Hours(total);
  }
  /** Whole milliseconds of a duration as hours, rounded toward zero to the scale: nobody is credited time not served. */
  static fromMilliseconds(ms: number): Hours {
    if (!Number.isSafeInteger(ms)) throw new RangeError(`duration is not a whole number of milliseconds: ${ms}`);
    // Integer division without a float quotient: ms − (ms mod 36,000) is an exact multiple.
    return new Hours(checkedHundredths((ms - (ms % msPerHundredthHour)) / msPerHundredthHour, 'hours', `${ms} ms`));
  }
  protected make(hundredths: number, operation: string): Hours {
    return new Hours(checkedHundredths(hundredths, 'hours', operation));
  }
}

/** A policy factor (points per hour, category multiplier): a positive decimal string, up to 4 places. */
export const factorPattern = /^(0|[1-9]\d{0,5})(\.\d{1,4})?$/;

/**
 * hours × pointsPerHour × multiplier, rounded once, to the policy's scale by its mode (rule 4: rounding
 * happens once, at accrual). The only multiplication of money by a factor in the ledger, and the one place
 * decimal.js is used: the exact product has up to 2 + 4 + 4 places before it is rounded.
 */
export function pointsForHours(
  hours: Hours,
  pointsPerHour: string,
  multiplier: string,
  rounding: { mode: RoundingMode; scale: 0 | 1 | 2 },
): Points {
  // The same few products recur (a community has a handful of factors, hours come in 36-second steps), and
  // decimal.js was a tenth of an accrual's CPU: each distinct product is computed once, by decimal.js.
  const key = `${hours.hundredths} ${pointsPerHour} ${multiplier} ${rounding.mode} ${rounding.scale}`;
  const known = accrualProducts.get(key);
  if (known !== undefined) return known;
  const exact = new Exact(hours.hundredths).div(hundredthsPerUnit).times(new Exact(pointsPerHour)).times(new Exact(multiplier));
  const points = Points.of(exact.toDecimalPlaces(rounding.scale, roundingModes[rounding.mode]).toFixed(amountScale));
  if (accrualProducts.size >= maxRememberedAccrualProducts) accrualProducts.clear();
  accrualProducts.set(key, points);
  return points;
}

/** How many distinct accrual products `pointsForHours` keeps; past it the memory starts over (bounded, never stale: a product never changes). */
const maxRememberedAccrualProducts = 4_096;
const accrualProducts = new Map<string, Points>();
