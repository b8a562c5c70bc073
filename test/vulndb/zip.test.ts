// The zip reader's end-of-archive handling: zip64 end records (OSV's exports with more than
// 65535 records have them) and writers whose 16-bit entry count wraps.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLocations, readZipMembers, zipEntryCount } from '../../src/vulndb/index.js';
import { buildZip, codeOf, fixtureFiles, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp?.cleanup());

/**
 * Rewrites a plain zip's end as a zip64 archive does (APPNOTE 4.3.14-4.3.16): a zip64
 * end-of-central-directory record and locator before the classic record, whose count,
 * size and offset fields then hold their "see zip64" values.
 */
function toZip64(zip: Buffer, claimedEntries?: number): Buffer {
  const eocd = zip.length - 22;
  expect(zip.readUInt32LE(eocd)).toBe(0x06054b50);
  const entries = claimedEntries ?? zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  const rec = Buffer.alloc(56);
  rec.writeUInt32LE(0x06064b50, 0);
  rec.writeBigUInt64LE(44n, 4);
  rec.writeUInt16LE(45, 12);
  rec.writeUInt16LE(45, 14);
  rec.writeBigUInt64LE(BigInt(entries), 24);
  rec.writeBigUInt64LE(BigInt(entries), 32);
  rec.writeBigUInt64LE(BigInt(cdSize), 40);
  rec.writeBigUInt64LE(BigInt(cdOffset), 48);
  const loc = Buffer.alloc(20);
  loc.writeUInt32LE(0x07064b50, 0);
  loc.writeBigUInt64LE(BigInt(eocd), 8);
  loc.writeUInt32LE(1, 16);
  const end = Buffer.from(zip.subarray(eocd));
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([zip.subarray(0, eocd), rec, loc, end]);
}

describe('zip end records', () => {
  const files = fixtureFiles().slice(0, 7);
  const plain = () => buildZip(Object.fromEntries(files.map((f) => [`${f.record.id}.json`, f.bytes])));

  it('reads the entry count from a zip64 end record, and imports the archive', async () => {
    const p = join(tmp.dir, 'z64', 'all.zip');
    mkdirSync(join(tmp.dir, 'z64'));
    writeFileSync(p, toZip64(plain()));
    expect(await zipEntryCount(p)).toBe(7);
    const res = await importLocations(join(tmp.dir, 'z64.db'), [p]);
    expect(res.imported.map((s) => [s.name, s.records])).toEqual([['osv:z64', 7]]);
  });

  it('a zip64 record claiming another count is IMPORT_INVALID_ZIP', async () => {
    const p = join(tmp.dir, 'lying.zip');
    writeFileSync(p, toZip64(plain(), 8));
    expect(await codeOf(importLocations(join(tmp.dir, 'lying.db'), [p]))).toBe('IMPORT_INVALID_ZIP');
  });

  it('more than 65535 entries from a writer whose 16-bit count wraps', async () => {
    const members: Record<string, string> = {};
    for (let i = 0; i < 65_540; i++) members[`n/${i}.txt`] = '';
    const p = join(tmp.dir, 'many.zip');
    writeFileSync(p, buildZip(members));
    expect(await zipEntryCount(p)).toBe(65_540 - 65_536);
    let seen = 0;
    for await (const m of readZipMembers(p, () => true, { maxTotalBytes: 1 << 20, maxMemberBytes: 1 << 20 })) {
      if (m.name.endsWith('.txt')) seen++;
    }
    expect(seen).toBe(65_540);
  });
});
