/**
 * @module The dedupe keys that can still be presented, held in memory: one open-addressing hash
 * table per expiry hour, of 53-bit key hashes and record references, 16 bytes a key. A table is
 * dropped whole once its hour has left the window. A hash names candidates only: the caller
 * confirms each against the stored record, so two keys of equal hash never merge.
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

class KeyTable {
  hashes = new Float64Array(INITIAL_CAPACITY);
  refs = new Float64Array(INITIAL_CAPACITY);
  used = 0; // slots not EMPTY (live and removed)
  live = 0;

  add(hash: number, ref: number): void {
    if ((this.used + 1) * 10 > this.hashes.length * 6) this.grow();
    const mask = this.hashes.length - 1;
    let i = hash & mask;
    while (this.hashes[i] !== EMPTY) i = (i + 1) & mask;
    this.hashes[i] = hash;
    this.refs[i] = ref;
    this.used++;
    this.live++;
  }

  /** Calls `visit` with each reference stored under `hash` until it returns true. */
  find(hash: number, visit: (ref: number) => boolean): boolean {
    const mask = this.hashes.length - 1;
    for (let i = hash & mask; this.hashes[i] !== EMPTY; i = (i + 1) & mask)
      if (this.hashes[i] === hash && visit(this.refs[i]!)) return true;
    return false;
  }

  remove(hash: number, ref: number): boolean {
    const mask = this.hashes.length - 1;
    for (let i = hash & mask; this.hashes[i] !== EMPTY; i = (i + 1) & mask)
      if (this.hashes[i] === hash && this.refs[i] === ref) {
        this.hashes[i] = REMOVED;
        this.live--;
        return true;
      }
    return false;
  }

  private grow(): void {
    const { hashes, refs } = this;
    let live = 0;
    for (const h of hashes) if (h !== EMPTY && h !== REMOVED) live++;
    let capacity = hashes.length;
    while (live * 10 > capacity * 3) capacity *= 2;
    this.hashes = new Float64Array(capacity);
    this.refs = new Float64Array(capacity);
    this.used = 0;
    this.live = 0;
    for (let i = 0; i < hashes.length; i++)
      if (hashes[i] !== EMPTY && hashes[i] !== REMOVED) this.add(hashes[i]!, refs[i]!);
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
