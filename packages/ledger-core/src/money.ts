/**
 * Exact amounts (DESIGN §4 rule 4). Points and hours are decimals with a fixed scale of two places,
 * carried as decimal.js values inside the ledger and as strings ("12.50") everywhere else. No float
 * ever touches a balance: the only way in is a decimal string or another amount.
 */
import { Decimal } from 'decimal.js';

/** A private decimal.js constructor so the embedding app's global Decimal settings cannot change ours. */
const Exact = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
type Exact = Decimal;

/** Places after the decimal point for every stored amount. */
export const amountScale = 2;
/** Largest magnitude an amount may have: far beyond any community, small enough to stay exact. */
export const maxAmountDigits = 15;

/** The textual form every amount takes on the wire and in events: an optional minus, digits, up to two decimals. */
export const amountPattern = /^-?(0|[1-9]\d{0,14})(\.\d{1,2})?$/;

export type RoundingMode = 'half-up' | 'half-even' | 'down' | 'up';
const roundingModes: Record<RoundingMode, Decimal.Rounding> = {
  'half-up': Decimal.ROUND_HALF_UP,
  'half-even': Decimal.ROUND_HALF_EVEN,
  down: Decimal.ROUND_DOWN,
  up: Decimal.ROUND_UP,
};

function parseExact(text: string, unit: string): Exact {
  if (typeof text !== 'string' || !amountPattern.test(text)) {
    throw new RangeError(`not a ${unit} amount: ${JSON.stringify(text)}; expected a decimal string with at most ${amountScale} places, like "12.50"`);
  }
  return new Exact(text);
}

/** 10^15: computed once; this check runs on every arithmetic result. */
const amountLimit = new Exact(10).pow(maxAmountDigits);

function assertExact(value: Exact, unit: string): Exact {
  if (!value.isFinite() || value.decimalPlaces() > amountScale || value.abs().gte(amountLimit)) {
    throw new RangeError(`${unit} amount out of range or scale: ${value.toString()}`);
  }
  return value;
}

/** Shared arithmetic of a fixed-scale amount; `unit` keeps points and hours from being mixed up. */
abstract class FixedAmount<Self extends FixedAmount<Self>> {
  protected constructor(readonly decimal: Exact) {}
  protected abstract make(value: Exact): Self;

  plus(other: Self): Self {
    return this.make(this.decimal.plus(other.decimal));
  }
  minus(other: Self): Self {
    return this.make(this.decimal.minus(other.decimal));
  }
  negated(): Self {
    return this.make(this.decimal.negated());
  }
  min(other: Self): Self {
    return this.lte(other) ? (this as unknown as Self) : other;
  }
  max(other: Self): Self {
    return this.gte(other) ? (this as unknown as Self) : other;
  }
  compare(other: Self): -1 | 0 | 1 {
    return this.decimal.comparedTo(other.decimal) as -1 | 0 | 1;
  }
  eq(other: Self): boolean {
    return this.decimal.eq(other.decimal);
  }
  lt(other: Self): boolean {
    return this.decimal.lt(other.decimal);
  }
  lte(other: Self): boolean {
    return this.decimal.lte(other.decimal);
  }
  gt(other: Self): boolean {
    return this.decimal.gt(other.decimal);
  }
  gte(other: Self): boolean {
    return this.decimal.gte(other.decimal);
  }
  isZero(): boolean {
    return this.decimal.isZero();
  }
  isNegative(): boolean {
    return this.decimal.isNegative() && !this.decimal.isZero();
  }
  isPositive(): boolean {
    return this.decimal.isPositive() && !this.decimal.isZero();
  }
  /** The amount taken a whole number of times (a price × a quantity). */
  times(count: number): Self {
    if (!Number.isSafeInteger(count)) throw new RangeError(`not a whole count: ${count}`);
    return this.make(this.decimal.times(count));
  }
  /** Always two places: "12.50", "-3.00". */
  toString(): string {
    return this.decimal.toFixed(amountScale);
  }
  toJSON(): string {
    return this.toString();
  }
}

/** 积分: spendable points. */
export class Points extends FixedAmount<Points> {
  readonly unit = 'points' as const;
  static readonly zero = new Points(new Exact(0));

  static of(text: string): Points {
    return new Points(parseExact(text, 'points'));
  }
  static sum(amounts: Iterable<Points>): Points {
    let total = new Exact(0);
    for (const amount of amounts) total = total.plus(amount.decimal);
    return new Points(total);
  }
  protected make(value: Exact): Points {
    return new Points(assertExact(value, 'points'));
  }
}

/** 服务时长: hours of service. */
export class Hours extends FixedAmount<Hours> {
  readonly unit = 'hours' as const;
  static readonly zero = new Hours(new Exact(0));

  static of(text: string): Hours {
    return new Hours(parseExact(text, 'hours'));
  }
  static sum(amounts: Iterable<Hours>): Hours {
    let total = new Exact(0);
    for (const amount of amounts) total = total.plus(amount.decimal);
    return new Hours(total);
  }
  /** Whole milliseconds of a duration as hours, rounded down to the scale: nobody is credited time not served. */
  static fromMilliseconds(ms: number): Hours {
    if (!Number.isSafeInteger(ms)) throw new RangeError(`duration is not a whole number of milliseconds: ${ms}`);
    return new Hours(new Exact(ms).div(3_600_000).toDecimalPlaces(amountScale, Decimal.ROUND_DOWN));
  }
  protected make(value: Exact): Hours {
    return new Hours(assertExact(value, 'hours'));
  }
}

/** A policy factor (points per hour, category multiplier): a positive decimal string, up to 4 places. */
export const factorPattern = /^(0|[1-9]\d{0,5})(\.\d{1,4})?$/;

/**
 * hours × pointsPerHour × multiplier, rounded once, to the policy's scale by its mode (rule 4: rounding
 * happens once, at accrual). The only multiplication of money in the ledger.
 */
export function pointsForHours(
  hours: Hours,
  pointsPerHour: string,
  multiplier: string,
  rounding: { mode: RoundingMode; scale: 0 | 1 | 2 },
): Points {
  const exact = hours.decimal.times(new Exact(pointsPerHour)).times(new Exact(multiplier));
  return Points.of(exact.toDecimalPlaces(rounding.scale, roundingModes[rounding.mode]).toFixed(amountScale));
}
