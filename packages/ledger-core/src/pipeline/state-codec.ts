/**
 * Folded states as text, for stream snapshots: JSON with the few non-JSON values states hold tagged —
 * Map, Set, Points, Hours. Anything else that JSON would silently mangle (a Date, another class, a plain
 * object that already has the tag key) makes `encodeState` throw, so a state that cannot be written back
 * exactly is never snapshotted. `decodeState` throws on anything it does not recognise; the caller then
 * ignores the snapshot and folds the whole stream.
 */
import { Hours, Points } from '../money.js';

/** Version of this encoding; part of every snapshot's stateVersion, so a change here retires old snapshots. */
export const stateCodecVersion = 1;

const tagKey = '$t';
type Tagged =
  | { readonly $t: 'map'; readonly v: [unknown, unknown][] }
  | { readonly $t: 'set'; readonly v: unknown[] }
  | { readonly $t: 'points'; readonly h: number }
  | { readonly $t: 'hours'; readonly h: number };

/** Text for `state`; throws if a value in it would not come back as it is. */
export function encodeState(state: unknown): string {
  // A walk that builds the tagged copy, then one plain JSON.stringify: a replacer function called for every
  // value made encoding 20× slower than this.
  return JSON.stringify(toTagged(state, 'state'));
}

/** `value` with its Maps, Sets and amounts tagged, ready for JSON; throws as `encodeState` does. */
export function toTagged(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`state codec: ${where} is ${value}, which JSON cannot hold`);
    return value;
  }
  if (typeof value !== 'object') throw new TypeError(`state codec: ${where} is a ${typeof value}`);
  if (Array.isArray(value)) return value.map((item, i) => toTagged(item, `${where}[${i}]`));
  if (value instanceof Points) return { [tagKey]: 'points', h: value.hundredths };
  if (value instanceof Hours) return { [tagKey]: 'hours', h: value.hundredths };
  if (value instanceof Map) {
    const entries: [unknown, unknown][] = [];
    for (const [k, v] of value) entries.push([toTagged(k, `${where} key`), toTagged(v, `${where}.get(${String(k)})`)]);
    return { [tagKey]: 'map', v: entries };
  }
  if (value instanceof Set) return { [tagKey]: 'set', v: [...value].map((item) => toTagged(item, `${where} member`)) };
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw new TypeError(`state codec: ${where} is a ${prototype?.constructor?.name ?? 'class instance'}, which it cannot encode`);
  if (tagKey in value) throw new TypeError(`state codec: ${where} is an object with a ${tagKey} key`);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    // JSON drops undefined fields; so does the copy, and the state read back lacks them alike.
    if (field !== undefined) copy[key] = toTagged(field, `${where}.${key}`);
  }
  return copy;
}

/** The state `text` encodes; throws if it is not this codec's output. */
export function decodeState(text: string): unknown {
  return fromTagged(JSON.parse(text));
}

/** A value `toTagged` made (and JSON carried), with its tags turned back; throws on an unknown tag. */
export function fromTagged(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = fromTagged(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (!(tagKey in record)) {
    for (const key in record) record[key] = fromTagged(record[key]);
    return record;
  }
  const tagged = record as Tagged;
  switch (tagged.$t) {
    case 'map': {
      if (!Array.isArray(tagged.v)) break;
      const map = new Map();
      for (const entry of tagged.v) {
        if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError('state codec: a map entry is not a [key, value] pair');
        map.set(fromTagged(entry[0]), fromTagged(entry[1]));
      }
      return map;
    }
    case 'set':
      if (!Array.isArray(tagged.v)) break;
      return new Set(tagged.v.map(fromTagged));
    case 'points':
      return Points.fromHundredths(tagged.h);
    case 'hours':
      return Hours.fromHundredths(tagged.h);
  }
  throw new TypeError(`state codec: not an encoded value: ${JSON.stringify(value).slice(0, 80)}`);
}
