/**
 * A Map whose older entries stay as snapshot text until they are used. A long member stream's state holds
 * thousands of records, lots and days; building every one of them when a stream is read from its snapshot cost
 * a cold command more than the command itself, although a command touches one or two. Here the snapshot's
 * table is kept as two strings — the keys, and each row's fields — and a row becomes an object only when `get`
 * or an iteration reaches it; `has` and `keys` never build one.
 *
 * It is a Map in every way callers see (same methods, same insertion order: the snapshot's rows first, in their
 * order, then entries added since), so deciders and folds use it unchanged. Writing the next snapshot reuses the
 * text of rows never built (`toText`), and then the map starts again from that text (`rebase`): rows built since
 * are written anew, the rest is copied. Rows built before a rebase are built again when next used, so callers
 * must not keep a value across commands (the ledger's states are owned by their cache entry; evolve and the
 * deciders look values up each time).
 */

/** Between rows, and between the keys of a table's key column. No key or field may contain it. */
export const rowSeparator = '\u007f';
/** Between a row's fields. No field may contain it (ids are letters, digits and `_ . : -`). */
export const fieldSeparator = '|';

/** How a table's values become row text and back. */
export interface RowCodec<V> {
  /** The value's fields as one row; throws if the value would not come back exactly or holds a separator. */
  readonly encode: (key: string, value: V) => string;
  /** The value a row encodes; throws if the row is not `encode`'s output. */
  readonly decode: (key: string, row: string) => V;
}

/**
 * A table as snapshot text: `count` rows whose keys and rows are joined by `rowSeparator`; `patched` rows
 * replace rows of the same index, `deleted` rows are gone.
 */
export interface TableText {
  readonly count: number;
  readonly keys: string;
  readonly rows: string;
  readonly patched: [number, string][];
  readonly deleted: number[];
}

/**
 * Lookups by searching the key column's text before an index is built. A search of a 10,000-event member's
 * column costs a few µs, building its index ~50 of them; a cold command (with its tail) makes a few to a few
 * dozen, and the index outlives snapshots written since (see `rebase`), so a cached stream builds it once.
 */
const scansBeforeIndex = 32;

function fail(what: string): never {
  throw new TypeError(`snapshot table: ${what}`);
}

function splitColumn(text: string, count: number, what: string): string[] {
  const values = count === 0 ? [] : text.split(rowSeparator);
  if (values.length !== count) fail(`${what} holds ${values.length} values, not ${count}`);
  return values;
}

/** Row separators in a column (before `end`, if given), counted without splitting it. */
function separators(column: string, end = column.length): number {
  let count = 0;
  for (let at = column.indexOf(rowSeparator); at >= 0 && at < end; at = column.indexOf(rowSeparator, at + 1)) count += 1;
  return count;
}

export function checkedText(text: string, what: string): string {
  if (text.includes(rowSeparator)) fail(`${what} contains the row separator`);
  return text;
}

export class SnapshotMap<V> extends Map<string, V> {
  private codec: RowCodec<V> | null = null;
  /** Rows in the snapshot text, deleted ones included. */
  private count = 0;
  private keysText = '';
  private rowsText = '';
  private keyColumn: string[] | null = null;
  /** The key column between two separators, so that a key is found by a search for separator, key, separator. */
  private keysFramed: string | null = null;
  private rowColumn: string[] | null = null;
  private index: Map<string, number> | null = null;
  private scans = 0;
  /** The last key a search did not find: a fold's `has` or `get` and then `set` of a new key search once. */
  private lastMiss: string | null = null;
  /** What `toText` last returned without rewriting the table, so `rebase` onto it can keep the index. */
  private lastAppended: { readonly text: TableText; readonly firstAdded: number; readonly addedKeys: readonly string[] } | null = null;
  /** Rows the text replaces (its patches), by index, until they are built. */
  private patchedRows = new Map<number, string>();
  /** Rows built (or set) since the last rebase; written anew by `toText`. */
  private built = new Map<number, V>();
  private deleted = new Set<number>();

  /** A map of the table `text` encodes; throws if it is malformed. Rows are checked when built. */
  static fromText<V>(text: TableText, codec: RowCodec<V>): SnapshotMap<V> {
    const map = new SnapshotMap<V>();
    map.rebase(text, codec);
    return map;
  }

  /** Makes the map hold exactly `text`'s table (which must be what it holds now, or it starts empty). */
  rebase(text: TableText, codec: RowCodec<V>): void {
    if (typeof text !== 'object' || text === null) fail('not a table');
    const { count, keys, rows, patched, deleted } = text;
    if (!Number.isSafeInteger(count) || count < 0 || typeof keys !== 'string' || typeof rows !== 'string' || !Array.isArray(patched) || !Array.isArray(deleted)) {
      fail('not a table');
    }
    const patchedRows = new Map<number, string>();
    for (const patch of patched) {
      if (!Array.isArray(patch) || !Number.isSafeInteger(patch[0]) || patch[0] < 0 || patch[0] >= count || typeof patch[1] !== 'string') fail('a patch is malformed');
      patchedRows.set(patch[0], patch[1]);
    }
    const deletedRows = new Set<number>();
    for (const row of deleted) {
      if (!Number.isSafeInteger(row) || row < 0 || row >= count || patchedRows.has(row)) fail('a deleted row is malformed');
      deletedRows.add(row);
    }
    // Rebased onto what `toText` just wrote without rewriting: rows keep their numbers, so the index (and the
    // split key column) stay, extended by the keys appended.
    const kept = this.lastAppended?.text === text && this.codec === codec ? { ...this.lastAppended, index: this.index, keyColumn: this.keyColumn, scans: this.scans } : null;
    super.clear();
    this.codec = codec;
    this.count = count;
    this.keysText = keys;
    this.rowsText = rows;
    this.keyColumn = null;
    this.keysFramed = null;
    this.rowColumn = null;
    this.index = null;
    this.scans = 0;
    this.patchedRows = patchedRows;
    this.built = new Map();
    this.deleted = deletedRows;
    this.lastMiss = null;
    this.lastAppended = null;
    if (kept !== null) {
      this.scans = kept.scans;
      if (kept.index !== null) {
        this.index = kept.index;
        kept.addedKeys.forEach((key, i) => this.index!.set(key, kept.firstAdded + i));
      }
      if (kept.keyColumn !== null) this.keyColumn = kept.keyColumn.concat(kept.addedKeys);
      return;
    }
    // The keys are counted now (every lookup relies on them); rows are split, counted and built when first used.
    // Their content is vouched for by the snapshot's checksum (see the member codec), so a cold read pays for the
    // rows it uses only; a row column that does not match its keys can only be an encoder's bug, and fails loudly.
    if (count === 0 ? keys !== '' : separators(keys) !== count - 1) fail(`the key column does not hold ${count} keys`);
  }

  /**
   * The table as snapshot text: the rows never built copied from the text this map was read from, the rows built
   * or set since written anew as patches, entries added since appended. `compactShare`: once patches and deletions
   * would exceed this share of the rows, every row is written anew instead (a cold read then builds fewer).
   */
  toText(codec: RowCodec<V>, compactShare: number): TableText {
    const sameCodec = this.codec === codec;
    const patches = sameCodec ? this.patchedRows.size + this.built.size + this.deleted.size : Number.POSITIVE_INFINITY;
    if (patches > Math.max(1, this.count * compactShare) || this.count === 0) return this.fullText(codec);
    const keys = this.keys0();
    const patched = new Map(this.patchedRows);
    for (const [row, value] of this.built) patched.set(row, checkedText(codec.encode(keys[row]!, value), `row ${keys[row]}`));
    const addedKeys: string[] = [];
    const addedRows: string[] = [];
    for (const [key, value] of super.entries()) {
      addedKeys.push(checkedText(key, 'a key'));
      addedRows.push(checkedText(codec.encode(key, value), `row ${key}`));
    }
    const join = (text: string, added: string[]) => (added.length === 0 ? text : `${text}${rowSeparator}${added.join(rowSeparator)}`);
    const text: TableText = {
      count: this.count + addedKeys.length,
      keys: join(this.keysText, addedKeys),
      rows: join(this.rowsText, addedRows),
      patched: [...patched].sort((a, b) => a[0] - b[0]),
      deleted: [...this.deleted].sort((a, b) => a - b),
    };
    this.lastAppended = { text, firstAdded: this.count, addedKeys };
    return text;
  }

  /**
   * Whether the map still holds exactly the text it was read from (or last rebased onto): nothing added or
   * deleted, and every row built since encodes as it was written. A sealed part that is unchanged is named again
   * by the next snapshot instead of being written anew (pipeline/parted-map.ts).
   */
  unchangedSinceRead(codec: RowCodec<V>): boolean {
    if (super.size > 0 || this.deleted.size > 0 || this.patchedRows.size > 0 || this.codec !== codec) return false;
    if (this.built.size === 0) return true;
    const keys = this.keys0();
    const rows = this.rows0();
    for (const [row, value] of this.built) if (codec.encode(keys[row]!, value) !== rows[row]) return false;
    return true;
  }

  private fullText(codec: RowCodec<V>): TableText {
    const keys: string[] = [];
    const rows: string[] = [];
    for (const [key, value] of this) {
      keys.push(checkedText(key, 'a key'));
      rows.push(checkedText(codec.encode(key, value), `row ${key}`));
    }
    return { count: keys.length, keys: keys.join(rowSeparator), rows: rows.join(rowSeparator), patched: [], deleted: [] };
  }

  private keys0(): string[] {
    this.keyColumn ??= splitColumn(this.keysText, this.count, 'the key column');
    return this.keyColumn;
  }

  private rows0(): string[] {
    this.rowColumn ??= splitColumn(this.rowsText, this.count, 'the row column');
    return this.rowColumn;
  }

  /** The live snapshot row holding `key`, or -1. */
  private rowOf(key: string): number {
    if (this.count === 0 || key === this.lastMiss) return -1;
    let row: number | undefined;
    if (this.index !== null) {
      row = this.index.get(key);
    } else if (this.scans < scansBeforeIndex) {
      // The key searched for in the column's text (one native search; most lookups of a command miss: a new
      // record, lot or day), and a hit's row counted by the separators before it. From the end: a key deleted and
      // set again is in the column twice, the earlier row deleted — the live one is always the last (as in the
      // index below, where the last row of a key wins).
      this.scans += 1;
      this.keysFramed ??= `${rowSeparator}${this.keysText}${rowSeparator}`;
      const at = key.includes(rowSeparator) ? -1 : this.keysFramed.lastIndexOf(`${rowSeparator}${key}${rowSeparator}`);
      row = at < 0 ? undefined : separators(this.keysFramed, at);
    } else {
      const keys = this.keys0();
      this.index = new Map();
      for (let i = 0; i < keys.length; i += 1) this.index.set(keys[i]!, i);
      row = this.index.get(key);
    }
    if (row === undefined) this.lastMiss = key;
    return row === undefined || this.deleted.has(row) ? -1 : row;
  }

  private build(row: number): V {
    let value = this.built.get(row);
    if (value === undefined) {
      const key = this.keys0()[row]!;
      value = this.codec!.decode(key, this.patchedRows.get(row) ?? this.rows0()[row]!);
      this.patchedRows.delete(row);
      this.built.set(row, value);
    }
    return value;
  }

  override get size(): number {
    return this.count - this.deleted.size + super.size;
  }

  override has(key: string): boolean {
    return super.has(key) || this.rowOf(key) >= 0;
  }

  override get(key: string): V | undefined {
    if (super.has(key)) return super.get(key);
    const row = this.rowOf(key);
    return row < 0 ? undefined : this.build(row);
  }

  override set(key: string, value: V): this {
    const row = super.has(key) ? -1 : this.rowOf(key);
    if (row < 0) super.set(key, value);
    else {
      this.patchedRows.delete(row);
      this.built.set(row, value);
    }
    return this;
  }

  override delete(key: string): boolean {
    if (super.delete(key)) return true;
    const row = this.rowOf(key);
    if (row < 0) return false;
    this.built.delete(row);
    this.patchedRows.delete(row);
    this.deleted.add(row);
    return true;
  }

  override clear(): void {
    super.clear();
    this.lastMiss = null;
    this.lastAppended = null;
    this.scans = 0;
    this.count = 0;
    this.keysText = '';
    this.rowsText = '';
    this.keyColumn = null;
    this.keysFramed = null;
    this.rowColumn = null;
    this.index = null;
    this.patchedRows = new Map();
    this.built = new Map();
    this.deleted = new Set();
  }

  override *entries(): MapIterator<[string, V]> {
    for (let row = 0; row < this.count; row += 1) if (!this.deleted.has(row)) yield [this.keys0()[row]!, this.build(row)];
    yield* super.entries();
  }

  override *keys(): MapIterator<string> {
    for (let row = 0; row < this.count; row += 1) if (!this.deleted.has(row)) yield this.keys0()[row]!;
    yield* super.keys();
  }

  override *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}
