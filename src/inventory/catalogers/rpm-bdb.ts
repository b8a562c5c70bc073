// Values of a Berkeley DB hash database (format versions 8-10), as rpm ≤ 4.15 keeps its
// `Packages` file: page 0 is the hash metadata page, data sits in hash pages as
// alternating key/value items, and large values (every rpm header, in practice) live in
// chains of overflow pages. Read-only and bounds-checked: the file is untrusted.

const HASH_MAGIC = 0x061561;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const PAGE_HEADER = 26;
const MAX_VALUE = 256 * 1024 * 1024;

/**
 * All values stored in the hash database, in page order. Keys are dropped, except that
 * rpm's bookkeeping record (key 0, the next instance number) is skipped. A malformed
 * item is reported through `warn` and skipped; a file that is not a hash database throws.
 */
export function readBdbHashValues(buf: Buffer, warn: (m: string) => void): Buffer[] {
  if (buf.length < 512) throw new Error(`file of ${buf.length} bytes is too short for a Berkeley DB`);
  let le: boolean;
  if (buf.readUInt32LE(12) === HASH_MAGIC) le = true;
  else if (buf.readUInt32BE(12) === HASH_MAGIC) le = false;
  else throw new Error('not a Berkeley DB hash database (bad magic)');
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const u16 = (at: number) => (le ? buf.readUInt16LE(at) : buf.readUInt16BE(at));

  const version = u32(16);
  const pageSize = u32(20);
  if (version < 8 || version > 10) throw new Error(`unsupported hash version ${version}`);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new Error(`bad page size ${pageSize}`);
  if (buf[25] !== P_HASHMETA) throw new Error(`page 0 is type ${buf[25]}, not hash metadata`);
  if (buf[24] !== 0) throw new Error('encrypted database');
  const pageCount = Math.floor(buf.length / pageSize);
  const lastPage = Math.min(u32(32), pageCount - 1);

  /** Concatenate an overflow chain; bounded by the declared length and a visited set. */
  const readOverflow = (start: number, total: number): Buffer => {
    if (total > MAX_VALUE) throw new Error(`overflow item of ${total} bytes`);
    const parts: Buffer[] = [];
    let got = 0;
    const seen = new Set<number>();
    for (let pg = start; pg !== 0 && got < total; ) {
      if (pg > lastPage || seen.has(pg)) throw new Error(`overflow chain reaches bad page ${pg}`);
      seen.add(pg);
      const at = pg * pageSize;
      if (buf[at + 25] !== P_OVERFLOW) throw new Error(`page ${pg} is not an overflow page`);
      // On overflow pages hf_offset holds the number of bytes used.
      const used = u16(at + 22);
      if (used > pageSize - PAGE_HEADER) throw new Error(`overflow page ${pg} claims ${used} bytes`);
      const take = Math.min(used, total - got);
      parts.push(buf.subarray(at + PAGE_HEADER, at + PAGE_HEADER + take));
      got += take;
      pg = u32(at + 16);
    }
    if (got !== total) throw new Error(`overflow chain holds ${got} of ${total} bytes`);
    return Buffer.concat(parts, total);
  };

  const out: Buffer[] = [];
  for (let pg = 1; pg <= lastPage; pg++) {
    const at = pg * pageSize;
    const type = buf[at + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const entries = u16(at + 20);
    if (PAGE_HEADER + 2 * entries > pageSize) {
      warn(`hash page ${pg}: ${entries} entries do not fit the page; skipped`);
      continue;
    }
    const offsets: number[] = [];
    for (let i = 0; i < entries; i++) offsets.push(u16(at + PAGE_HEADER + 2 * i));
    // Item i spans from its offset to the previous item's offset (items grow down from the page end).
    const item = (i: number): Buffer | undefined => {
      const start = offsets[i];
      const end = i === 0 ? pageSize : offsets[i - 1];
      if (start < PAGE_HEADER + 2 * entries || start >= end || end > pageSize) return undefined;
      return buf.subarray(at + start, at + end);
    };
    for (let i = 0; i + 1 < entries; i += 2) {
      const key = item(i);
      const val = item(i + 1);
      if (!key || !val) {
        warn(`hash page ${pg}: item ${i} has bad offsets; skipped`);
        continue;
      }
      if (key[0] === H_KEYDATA && key.length === 5 && key.readUInt32LE(1) === 0) continue;
      try {
        if (val[0] === H_KEYDATA) out.push(Buffer.from(val.subarray(1)));
        else if (val[0] === H_OFFPAGE && val.length >= 12) out.push(readOverflow(u32(at + offsets[i + 1] + 4), u32(at + offsets[i + 1] + 8)));
        else warn(`hash page ${pg}: item ${i + 1} of type ${val[0]} not supported; skipped`);
      } catch (err) {
        warn(`hash page ${pg}: item ${i + 1}: ${(err as Error).message}; skipped`);
      }
    }
  }
  return out;
}
