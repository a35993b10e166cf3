import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKnownPosition, packPosition, unpackPosition } from './positions.js';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const position = fc.record({ commit: u64, prepare: u64 });

describe('positions: (commit, prepare) packed into one bigint', () => {
  it('unpacks to what was packed', () => {
    fc.assert(
      fc.property(position, (p) => {
        expect(unpackPosition(packPosition(p))).toEqual(p);
      }),
    );
  });

  it('orders exactly like $all: by commit, then by prepare', () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        const byAll = a.commit !== b.commit ? a.commit < b.commit : a.prepare < b.prepare;
        expect(packPosition(a) < packPosition(b)).toBe(byAll);
      }),
    );
  });

  it('keeps events of one explicit transaction (same commit) apart and after earlier commits', () => {
    const interleaved = packPosition({ commit: 500n, prepare: 500n });
    const first = packPosition({ commit: 900n, prepare: 100n });
    const second = packPosition({ commit: 900n, prepare: 300n });
    expect(interleaved < first && first < second).toBe(true);
  });

  it('refuses values the server cannot have made, and knows the unknown position', () => {
    expect(() => packPosition({ commit: -1n, prepare: 0n })).toThrow(RangeError);
    expect(() => unpackPosition(-1n)).toThrow(RangeError);
    expect(() => unpackPosition(1n << 128n)).toThrow(RangeError);
    expect(isKnownPosition({ commit: (1n << 64n) - 1n, prepare: (1n << 64n) - 1n })).toBe(false);
    expect(isKnownPosition(undefined)).toBe(false);
    expect(isKnownPosition({ commit: 0n, prepare: 0n })).toBe(true);
  });
});
