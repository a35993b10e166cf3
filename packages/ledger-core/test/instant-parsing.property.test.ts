/**
 * Instants enter commands through `instantText`: any ISO 8601 instant with an explicit offset, canonicalised to
 * UTC. Text already in the canonical shape skips formatting a Date (a speed lever); this holds the result to
 * the reference reading — `new Date(Date.parse(text)).toISOString()` — for canonical, offset and near-valid
 * texts alike, and holds refusals to refusals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantText, isCalendarDate } from '../src/values.js';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Field values a little past every edge: hour 24, minute 60, 30 February, year 0, offsets past ±23:59. */
const nearInstantArb = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
    fraction: fc.constantFrom('', '.0', '.5', '.123', '.999', '.1234', '.000000001'),
    zone: fc.constantFrom('Z', '+08:00', '-05:30', '+00:00', '+24:00', '-00:60', ''),
  })
  .map((f) => `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}${f.fraction}${f.zone}`);

/** Instants in canonical UTC form, as every event and most callers write them. */
const canonicalArb = fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());

describe('instantText', () => {
  it('reads every text as the Date reading of it, canonical UTC, or refuses it', () => {
    fc.assert(
      fc.property(fc.oneof(nearInstantArb, canonicalArb), (text) => {
        const parsed = instantText.safeParse(text);
        const ms = Date.parse(text);
        if (parsed.success) {
          expect(Number.isFinite(ms)).toBe(true);
          expect(isCalendarDate(text.slice(0, 10))).toBe(true);
          expect(parsed.data).toBe(new Date(ms).toISOString());
        } else {
          // Refused: no clock shows it (hour 24, 30 February), or it has no explicit offset, or a field is out of range.
          const fields = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
          const valid =
            fields !== null &&
            Number.isFinite(ms) &&
            isCalendarDate(text.slice(0, 10)) &&
            Number(fields[4]) < 24 &&
            Number(fields[5]) < 60 &&
            Number(fields[6]) < 60 &&
            (fields[7] === 'Z' || (Number(fields[7]!.slice(1, 3)) < 24 && Number(fields[7]!.slice(4)) < 60));
          expect(valid).toBe(false);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps canonical text as it is and canonicalises offsets', () => {
    expect(instantText.parse('2026-05-01T00:00:00.000Z')).toBe('2026-05-01T00:00:00.000Z');
    expect(instantText.parse('2026-05-01T08:00:00+08:00')).toBe('2026-05-01T00:00:00.000Z');
    expect(instantText.parse('2026-05-01T00:00:00Z')).toBe('2026-05-01T00:00:00.000Z');
    expect(instantText.safeParse('2026-05-01T24:00:00.000Z').success).toBe(false);
    expect(instantText.safeParse('2026-02-30T00:00:00.000Z').success).toBe(false);
  });
});
