// RPM header blobs as stored in the rpm database (rpmdb.sqlite `Packages.blob`, the
// BerkeleyDB `Packages` values): a v4 header without its 8-byte magic prefix.
//
//   il (uint32 BE)  dl (uint32 BE)  il × index entry (16 bytes)  dl bytes of data
//   index entry: tag (int32 BE), type (uint32 BE), offset (int32 BE), count (uint32 BE)
//
// Every offset and count comes from an untrusted image, so each access is bounds-checked
// and a bad header is a RpmHeaderError the caller turns into a warning.

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  FILEMODES: 1030,
  SOURCERPM: 1044,
  PROVIDENAME: 1047,
  REQUIRENAME: 1049,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGSIZE: 5009,
} as const;

const TYPE = { CHAR: 1, INT8: 2, INT16: 3, INT32: 4, INT64: 5, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 } as const;
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };

/** rpm's own limits (HEADER_TAGS_MAX, HEADER_DATA_MAX). */
const MAX_TAGS = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

export class RpmHeaderError extends Error {}

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export class RpmHeader {
  private readonly entries = new Map<number, IndexEntry>();
  private readonly data: Buffer;

  constructor(blob: Buffer) {
    if (blob.length < 8) throw new RpmHeaderError(`header of ${blob.length} bytes is shorter than its 8-byte preamble`);
    const il = blob.readUInt32BE(0);
    const dl = blob.readUInt32BE(4);
    if (il < 1 || il > MAX_TAGS) throw new RpmHeaderError(`header index count ${il} out of range`);
    if (dl > MAX_DATA) throw new RpmHeaderError(`header data length ${dl} out of range`);
    const dataStart = 8 + il * 16;
    if (dataStart + dl > blob.length) {
      throw new RpmHeaderError(`header needs ${dataStart + dl} bytes, blob has ${blob.length}`);
    }
    this.data = blob.subarray(dataStart, dataStart + dl);
    for (let i = 0; i < il; i++) {
      const at = 8 + i * 16;
      const tag = blob.readInt32BE(at);
      const type = blob.readUInt32BE(at + 4);
      const offset = blob.readInt32BE(at + 8);
      const count = blob.readUInt32BE(at + 12);
      if (type > TYPE.I18NSTRING) throw new RpmHeaderError(`tag ${tag}: unknown type ${type}`);
      if (offset < 0 || offset > dl) throw new RpmHeaderError(`tag ${tag}: offset ${offset} outside ${dl}-byte data`);
      if (count < 1 || count > dl) throw new RpmHeaderError(`tag ${tag}: count ${count} out of range`);
      const size = TYPE_SIZE[type];
      if (size !== undefined && offset + size * count > dl) {
        throw new RpmHeaderError(`tag ${tag}: ${count} values of ${size} bytes overrun the data`);
      }
      // First occurrence wins; later duplicates (dribble entries) are ignored.
      if (!this.entries.has(tag)) this.entries.set(tag, { type, offset, count });
    }
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** Read `count` NUL-terminated strings from `offset`, each within the data store. */
  private stringsAt(tag: number, e: IndexEntry): string[] {
    const out: string[] = [];
    let pos = e.offset;
    for (let i = 0; i < e.count; i++) {
      const end = this.data.indexOf(0, pos);
      if (end < 0) throw new RpmHeaderError(`tag ${tag}: unterminated string`);
      out.push(decoder.decode(this.data.subarray(pos, end)));
      pos = end + 1;
    }
    return out;
  }

  /** A STRING (or the first of a STRING_ARRAY / I18NSTRING, i.e. the C locale). */
  string(tag: number): string | undefined {
    return this.strings(tag)?.[0];
  }

  strings(tag: number): string[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type === TYPE.STRING) return this.stringsAt(tag, { ...e, count: 1 });
    if (e.type === TYPE.STRING_ARRAY || e.type === TYPE.I18NSTRING) return this.stringsAt(tag, e);
    throw new RpmHeaderError(`tag ${tag}: type ${e.type} is not a string`);
  }

  /** Integer values of an INT8/16/32/64 tag (INT64 beyond 2^53 loses precision: sizes only). */
  ints(tag: number): number[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const out: number[] = [];
    for (let i = 0; i < e.count; i++) {
      switch (e.type) {
        case TYPE.CHAR:
        case TYPE.INT8:
          out.push(this.data.readUInt8(e.offset + i));
          break;
        case TYPE.INT16:
          out.push(this.data.readUInt16BE(e.offset + 2 * i));
          break;
        case TYPE.INT32:
          out.push(this.data.readUInt32BE(e.offset + 4 * i));
          break;
        case TYPE.INT64:
          out.push(Number(this.data.readBigUInt64BE(e.offset + 8 * i)));
          break;
        default:
          throw new RpmHeaderError(`tag ${tag}: type ${e.type} is not an integer`);
      }
    }
    return out;
  }

  int(tag: number): number | undefined {
    return this.ints(tag)?.[0];
  }
}
