/**
 * Global positions. EventStoreDB orders `$all` by (commit position, prepare position). Events appended
 * through gRPC are self-committed, so each has commit = prepare = its own log position and commit
 * positions never repeat. But events written in an explicit transaction (the legacy TCP API, and data
 * written by it that still lives in a database) share the commit position of their transaction's commit
 * record and differ only in prepare position; so the commit position alone is not a strictly increasing
 * position, and the prepare position alone is not ordered like `$all` either.
 *
 * The port's position is therefore both numbers packed into one bigint: `commit × 2^64 + prepare`.
 * Comparing packed values compares (commit, prepare) lexicographically, which is exactly `$all` order,
 * so positions strictly increase and "resume after p" unpacks p into the server's own position. The
 * values exceed 2^64: store them as decimal strings or bigints, never as 64-bit integers.
 */

export interface AllPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

const u64 = 1n << 64n;

export function packPosition({ commit, prepare }: AllPosition): bigint {
  if (commit < 0n || commit >= u64 || prepare < 0n || prepare >= u64) {
    throw new RangeError(`position (commit ${commit}, prepare ${prepare}) is outside the unsigned 64-bit range`);
  }
  return commit * u64 + prepare;
}

export function unpackPosition(position: bigint): AllPosition {
  if (position < 0n || position >= u64 * u64) throw new RangeError(`position ${position} was not made by this store`);
  return { commit: position / u64, prepare: position % u64 };
}

/** The server reports (2^64 - 1, 2^64 - 1) where it does not know an event's position. */
export function isKnownPosition(position: AllPosition | undefined): position is AllPosition {
  return position !== undefined && position.commit !== u64 - 1n && position.prepare !== u64 - 1n;
}
