/**
 * @module The dedupe keys that can still be presented, held in memory: one open-addressing hash
 * table per expiry hour, of 53-bit key hashes and record references, 16 bytes a key. A table is
 * dropped whole once its hour has left the window. A hash names candidates only: the caller
 * confirms each against the stored record, so two keys of equal hash never merge. SQLite only:
 * PostgreSQL deduplicates by its unique index (postgres/usage.ts), which instances share.
 */

/** Where a record is stored: its batch and its place in it. */
export interface RecordRef {
  seq: number;
  index: number;
}

const SLOTS_PER_REF = 64; // a batch holds at most 25 records (BatchMeterUsage)
const EMPTY = 0;
const REMOVED = -1;
const INITIAL_CAPACITY = 1 << 12;

/** A 53-bit hash of a string (two 32-bit FNV-1a lanes with different offsets), never 0 or -1. */
export function hashKey(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const h = (a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11);
  return h === EMPTY ? 1 : h;
}

/** Slots moved to a grown table per operation: growing never stops the caller for long. */
const MOVES_PER_STEP = 2048;

interface Slots {
  hashes: Float64Array;
  refs: Float64Array;
}

const slots = (capacity: number): Slots => ({
  hashes: new Float64Array(capacity),
  refs: new Float64Array(capacity),
});

/** Linear probing; `visit` is called with each reference stored under `hash`. */
function probe(t: Slots, hash: number, visit: (i: number) => boolean): boolean {
  const mask = t.hashes.length - 1;
  for (let i = hash & mask; t.hashes[i] !== EMPTY; i = (i + 1) & mask)
    if (t.hashes[i] === hash && visit(i)) return true;
  return false;
}

/**
 * One hour's keys. When it fills up it grows incrementally: a table twice as large takes
 * the new keys, and each later operation moves a slice of the old table into it, so that no
 * single call pays for rehashing millions of keys. Until then, lookups read both.
 */
class KeyTable {
  private table = slots(INITIAL_CAPACITY);
  private used = 0; // slots of `table` not EMPTY (live and removed)
  private old: Slots | undefined;
  private moved = 0; // slots of `old` already moved
  live = 0;

  add(hash: number, ref: number): void {
    this.step();
    if (!this.old && (this.used + 1) * 10 > this.table.hashes.length * 6) {
      this.old = this.table;
      this.moved = 0;
      this.table = slots(this.table.hashes.length * 2);
      this.used = 0;
    }
    this.put(hash, ref);
    this.live++;
  }

  private put(hash: number, ref: number): void {
    const { hashes, refs } = this.table;
    const mask = hashes.length - 1;
    let i = hash & mask;
    while (hashes[i] !== EMPTY) i = (i + 1) & mask;
    hashes[i] = hash;
    refs[i] = ref;
    this.used++;
  }

  /** Moves the next slice of the old table, if one is being emptied. */
  private step(): void {
    const old = this.old;
    if (!old) return;
    const end = Math.min(this.moved + MOVES_PER_STEP, old.hashes.length);
    for (let i = this.moved; i < end; i++) {
      const h = old.hashes[i]!;
      if (h === EMPTY || h === REMOVED) continue;
      this.put(h, old.refs[i]!);
      old.hashes[i] = REMOVED; // keeps the probe chains of the old table intact
    }
    this.moved = end;
    if (end === old.hashes.length) this.old = undefined;
  }

  /** Calls `visit` with each reference stored under `hash` until it returns true. */
  find(hash: number, visit: (ref: number) => boolean): boolean {
    this.step();
    const look = (t: Slots) => probe(t, hash, (i) => visit(t.refs[i]!));
    return look(this.table) || (this.old !== undefined && look(this.old));
  }

  remove(hash: number, ref: number): boolean {
    const drop = (t: Slots) =>
      probe(t, hash, (i) => {
        if (t.refs[i] !== ref) return false;
        t.hashes[i] = REMOVED;
        return true;
      });
    if (!drop(this.table) && !(this.old !== undefined && drop(this.old))) return false;
    this.live--;
    return true;
  }
}

export class LiveKeys {
  private readonly tables = new Map<number, KeyTable>();
  private count = 0;

  /** `hash` is replaceable so that tests can make every key collide. */
  constructor(private readonly hash: (key: string) => number = hashKey) {}

  get size(): number {
    return this.count;
  }

  /** Remembers that the record at `ref` holds `key`, which expires at `until` (epoch ms). */
  add(key: string, until: number, ref: RecordRef): void {
    let table = this.tables.get(until);
    if (!table) this.tables.set(until, (table = new KeyTable()));
    table.add(this.hash(key), ref.seq * SLOTS_PER_REF + ref.index);
    this.count++;
  }

  /**
   * The first stored record, among those whose hash matches `key`, that `confirm` accepts
   * (it reads the record and compares its key); undefined when there is none.
   */
  find(key: string, until: number, confirm: (ref: RecordRef) => boolean): RecordRef | undefined {
    const table = this.tables.get(until);
    let found: RecordRef | undefined;
    table?.find(this.hash(key), (packed) => {
      const ref = { seq: Math.floor(packed / SLOTS_PER_REF), index: packed % SLOTS_PER_REF };
      if (!confirm(ref)) return false;
      found = ref;
      return true;
    });
    return found;
  }

  /** Forgets an entry added by a transaction that was rolled back. */
  remove(key: string, until: number, ref: RecordRef): void {
    if (this.tables.get(until)?.remove(this.hash(key), ref.seq * SLOTS_PER_REF + ref.index))
      this.count--;
  }

  /** Drops every table whose keys expired before `now` (epoch ms). */
  expire(now: number): void {
    for (const [until, table] of this.tables)
      if (until < now) {
        this.tables.delete(until);
        this.count -= table.live;
      }
  }
}

export const MAX_RECORDS_PER_BATCH = SLOTS_PER_REF;
