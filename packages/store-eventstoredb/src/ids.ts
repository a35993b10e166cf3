/**
 * Event ids: the ledger uses ULIDs (26 Crockford base32 characters, 128 bits); EventStoreDB wants a
 * UUID. Both are 128 bits, so the conversion is a bijection: the ULID's bits become the UUID's bits in
 * the same order, and back. The UUID is not a version-4 UUID (its version and variant nibbles are
 * whatever the ULID's bits are); the server stores any 128-bit value and gives it back as written.
 */

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const canonicalUlid = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const canonicalUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The ULID's 128 bits as a lowercase UUID string. Rejects anything but a canonical (upper-case) ULID. */
export function ulidToUuid(ulid: string): string {
  if (!canonicalUlid.test(ulid)) {
    throw new RangeError(
      `event id ${JSON.stringify(ulid)} is not a canonical ULID (26 upper-case Crockford base32 characters, first one 0-7); ` +
        'the EventStoreDB store maps ULIDs to UUIDs bit for bit, so it needs the canonical form to give the id back unchanged',
    );
  }
  let value = 0n;
  for (const char of ulid) value = (value << 5n) | BigInt(crockford.indexOf(char));
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The inverse of `ulidToUuid`: a UUID string (either case) back to the canonical ULID. */
export function uuidToUlid(uuid: string): string {
  const lower = uuid.toLowerCase();
  if (!canonicalUuid.test(lower)) throw new RangeError(`${JSON.stringify(uuid)} is not a UUID`);
  let value = BigInt(`0x${lower.replaceAll('-', '')}`);
  let ulid = '';
  for (let i = 0; i < 26; i += 1) {
    ulid = crockford[Number(value & 31n)]! + ulid;
    value >>= 5n;
  }
  return ulid;
}
