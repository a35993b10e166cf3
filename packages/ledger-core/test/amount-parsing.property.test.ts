/**
 * DESIGN §4 rule 4: an amount enters only as a strict two-place decimal string. `Points.of`/`Hours.of` scan
 * by hand for speed; this holds them to `amountPattern`, the documented language, and to the value the
 * pattern's groups spell, on valid and near-valid texts alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hours, Points, amountPattern } from '../src/index.js';

/** The reference reading of a text through the pattern: hundredths, or null when it is not an amount. */
function referenceHundredths(text: string): number | null {
  const parts = amountPattern.exec(text);
  if (parts === null) return null;
  const fraction = parts[3] === undefined ? 0 : Number(parts[3].padEnd(2, '0'));
  const magnitude = Number(parts[2]) * 100 + fraction;
  return parts[1] === '-' && magnitude !== 0 ? -magnitude : magnitude;
}

function scanned(of: (text: string) => { hundredths: number }, text: string): number | null {
  try {
    return of(text).hundredths;
  } catch (error) {
    expect(error).toBeInstanceOf(RangeError);
    return null;
  }
}

/** Texts near the pattern's edges: signs, points, leading zeros, 12–15 digits, stray characters. */
const nearAmountArb = fc.oneof(
  fc.stringMatching(amountPattern),
  fc.string({ unit: fc.constantFrom('-', '.', '0', '1', '5', '9', 'e', ' ', '+', '\n', 'x'), maxLength: 18 }),
  fc.tuple(fc.constantFrom('', '-', '--', '+'), fc.bigInt({ min: 0n, max: 10n ** 16n }), fc.constantFrom('', '.', '.0', '.5', '.05', '.50', '.125', '.x', '..5')).map(([sign, whole, tail]) => `${sign}${whole}${tail}`),
  fc.tuple(fc.constantFrom('', '-'), fc.stringMatching(/^0\d{0,3}$/), fc.constantFrom('', '.1', '.12')).map(([sign, whole, tail]) => `${sign}${whole}${tail}`),
);

describe('rule 4: amounts are read exactly as amountPattern says', () => {
  it('Points.of and Hours.of accept exactly the texts the pattern matches, with the value its groups spell', () => {
    fc.assert(
      fc.property(nearAmountArb, (text) => {
        const expected = referenceHundredths(text);
        expect(scanned(Points.of, text), text).toBe(expected);
        expect(scanned(Hours.of, text), text).toBe(expected);
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses what is not a string, and never yields -0', () => {
    for (const input of [12, null, undefined, 12n, {}, ['1']]) expect(() => Points.of(input as unknown as string)).toThrow(RangeError);
    for (const text of ['-0', '-0.0', '-0.00']) expect(Object.is(Points.of(text).hundredths, 0)).toBe(true);
    expect(Points.of('9999999999999.99').hundredths).toBe(999_999_999_999_999);
    expect(() => Points.of('10000000000000')).toThrow(RangeError);
  });
});
