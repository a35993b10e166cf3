import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ulidToUuid, uuidToUlid } from './ids.js';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ulid = fc
  .tuple(fc.constantFrom(...'01234567'), fc.array(fc.constantFrom(...crockford), { minLength: 25, maxLength: 25 }))
  .map(([first, rest]) => first + rest.join(''));

describe('event ids: ULID ↔ UUID', () => {
  it('maps the 128 bits one to one, both ways', () => {
    fc.assert(
      fc.property(ulid, (id) => {
        const uuid = ulidToUuid(id);
        expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(uuidToUlid(uuid)).toBe(id);
        expect(uuidToUlid(uuid.toUpperCase())).toBe(id);
      }),
    );
  });

  it('keeps the order of ids (a ULID sorts by time, and so does its UUID)', () => {
    fc.assert(
      fc.property(ulid, ulid, (a, b) => {
        expect(a < b).toBe(ulidToUuid(a) < ulidToUuid(b));
      }),
    );
  });

  it('knows the extremes', () => {
    expect(ulidToUuid('00000000000000000000000000')).toBe('00000000-0000-0000-0000-000000000000');
    expect(ulidToUuid('7ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
    expect(ulidToUuid('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('01563e3a-b5d3-d676-4c61-efb99302bd5b');
  });

  it('refuses what is not a canonical ULID, so that every id comes back exactly as given', () => {
    for (const bad of ['01arz3ndektsv4rrffq69g5fav', '81ARZ3NDEKTSV4RRFFQ69G5FAV', '01ARZ3NDEKTSV4RRFFQ69G5FA', 'evt-1', '01ARZ3NDEKTSV4RRFFQ69G5FAU'.replace('U', 'I')]) {
      expect(() => ulidToUuid(bad)).toThrow(RangeError);
    }
    expect(() => uuidToUlid('not-a-uuid')).toThrow(RangeError);
  });
});
