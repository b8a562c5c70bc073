import { describe, expect, it } from 'vitest';
import { apkComparator, compareApkFuzzy, comparatorFor } from '../../src/versions/index.js';
import { checkFacts, readFixture, readOrderingList, reportCounts, type OrderFact } from './vectors.js';

/**
 * apk-tools' own test/unit/version.data, as `a<TAB>op<TAB>b<TAB>note` lines. Ordering ops
 * (<, =, >) check compare; `~`, `!~`, `<~`, `>~` check the fuzzy (prefix) match apk uses
 * for `~` dependencies; `valid`/`invalid` check isValid on `a` alone.
 */
function readApkVectors(): { order: OrderFact[]; fuzzy: Array<{ where: string; a: string; op: string; b: string }>; validity: Array<{ where: string; v: string; valid: boolean }> } {
  const order: OrderFact[] = [];
  const fuzzy: Array<{ where: string; a: string; op: string; b: string }> = [];
  const validity: Array<{ where: string; v: string; valid: boolean }> = [];
  readFixture('alpine/apk-vectors.tsv')
    .split('\n')
    .forEach((line, i) => {
      if (line === '' || line.startsWith('#')) return;
      const where = `alpine/apk-vectors.tsv:${i + 1}`;
      const [a, op, b] = line.split('\t');
      if (op === '<' || op === '=' || op === '>') order.push({ where, a, b, expected: op === '<' ? -1 : op === '>' ? 1 : 0 });
      else if (op === '~' || op === '!~' || op === '<~' || op === '>~') fuzzy.push({ where, a, op, b });
      else if (op === 'valid' || op === 'invalid') validity.push({ where, v: a, valid: op === 'valid' });
      else throw new Error(`${where}: unknown op ${JSON.stringify(op)}`);
    });
  return { order, fuzzy, validity };
}

const upstream = readApkVectors();

/**
 * osv-scalibr's hand-written alpine-versions.txt lines that apk-tools 3 (the reference,
 * src/version.c) does not agree with. The file itself notes that apk 2.x and 3.x differ
 * on them.
 */
const SCALIBR_EXCEPTIONS = new Map([
  ['alpine/alpine-versions.txt:2', '"1-r" has no revision digits, so apk-tools 3 ranks its invalid token below "-r0": 1-r < 1-r0, not ='],
  ['alpine/alpine-versions.txt:43', 'apk-tools 3 reads "-r0" in 1-r0-1 and an invalid token in 1-r-2, so 1-r0-1 > 1-r-2, not ='],
  ['alpine/alpine-versions.txt:44', 'both invalid at the same token, which apk-tools 3 calls equal; we break such ties with a string sort to keep the order total'],
  ['alpine/alpine-versions.txt:45', 'both invalid at the same token (apk-tools 3: equal); tie broken by string sort'],
  ['alpine/alpine-versions.txt:47', 'both invalid at the same token (apk-tools 3: equal); tie broken by string sort'],
  ['alpine/alpine-versions.txt:48', 'both invalid at the same token (apk-tools 3: equal); tie broken by string sort'],
]);

describe('apk comparator on upstream vectors', () => {
  it('holds every ordering line of apk-tools version.data', () => {
    reportCounts('apk', 'apk-vectors.tsv (ordering)', checkFacts(apkComparator, upstream.order));
  });

  it('holds every fuzzy-match line of apk-tools version.data', () => {
    const failures = upstream.fuzzy.filter(({ a, op, b }) => {
      const r = compareApkFuzzy(a, b);
      const ok = op === '~' ? r === 0 : op === '!~' ? r !== 0 : op === '<~' ? r <= 0 : r >= 0;
      return !ok;
    });
    expect(failures).toEqual([]);
    reportCounts('apk', 'apk-vectors.tsv (fuzzy)', { checked: upstream.fuzzy.length, exceptions: 0 });
  });

  it('holds every valid/invalid line of apk-tools version.data', () => {
    const failures = upstream.validity.filter(({ v, valid }) => apkComparator.isValid(v) !== valid);
    expect(failures).toEqual([]);
    expect(upstream.validity.filter((x) => !x.valid).length).toBeGreaterThan(10);
    reportCounts('apk', 'apk-vectors.tsv (validity)', { checked: upstream.validity.length, exceptions: 0 });
  });

  it('holds osv-scalibr alpine-versions.txt, except the listed apk 2.x-only lines', () => {
    reportCounts('apk', 'alpine-versions.txt', checkFacts(apkComparator, readOrderingList('alpine/alpine-versions.txt'), SCALIBR_EXCEPTIONS));
  });

  it('holds every line of alpine-versions-generated.txt (apk version -t over real OSV versions)', () => {
    reportCounts('apk', 'alpine-versions-generated.txt', checkFacts(apkComparator, readOrderingList('alpine/alpine-versions-generated.txt')));
  });

  it('keeps apk-tools answers for invalid versions and breaks only its ties', () => {
    // apk-tools decides 23_foo > 4_beta on the first token, before the invalid suffix.
    expect(apkComparator.compare('23_foo', '4_beta')).toBeGreaterThan(0);
    // Both break at "_foo"/"_bar" after equal tokens: apk says equal; the tie-break
    // must still be antisymmetric.
    const r = apkComparator.compare('1.0_foo', '1.0_bar');
    expect(r).not.toBe(0);
    expect(Math.sign(apkComparator.compare('1.0_bar', '1.0_foo'))).toBe(-Math.sign(r));
  });

  it('is what comparatorFor gives Alpine, Chainguard and Wolfi', () => {
    for (const eco of ['Alpine:v3.19', 'Chainguard', 'Wolfi']) expect(comparatorFor(eco)).toBe(apkComparator);
  });
});
