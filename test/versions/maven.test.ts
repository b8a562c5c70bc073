import { describe, expect, it } from 'vitest';
import { comparatorFor, mavenComparator } from '../../src/versions/index.js';
import { readJavaVectors } from './java-vectors.js';
import { accountLines, checkFacts, readFixture, readOrderingList, reportCounts } from './vectors.js';

const JAVA = 'maven/ComparableVersionTest.java';

/**
 * Lines of ComparableVersionTest.java in @Test methods that assert something other than
 * an ordering: the canonical string form, and reuse of a parsed instance. The
 * Comparator interface exposes neither.
 */
const JAVA_NOT_ORDERING = new Map<RegExp, string>([
  [/newComparable\("[^"]*"\);/, 'newComparable(v) alone asserts that getCanonical() round-trips; the canonical form is not exposed'],
  [/getCanonical\(\)/, 'asserts getCanonical() text; the canonical form is not exposed'],
  [/ComparableVersion version2? = new ComparableVersion\(/, 'testGetCanonical: builds the instance whose getCanonical() is asserted next'],
  [/parseVersion\(|newComparable\("2"\)|assertEquals\(c1, c2, "reused|ComparableVersion c1 = new ComparableVersion\("1"\);\s*$/, 'testReuse: re-parsing into an existing ComparableVersion instance; our comparator is stateless'],
  [/new Locale\("tr"\)/, 'testLocaleIndependent: sets the JVM default locale around equality checks (which are checked); lower-casing here never depends on a locale'],
]);

/**
 * osv-scalibr's lists were generated with maven-artifact 3.8.6 (see its
 * GenerateMavenVersions.java). The reference here is the Maven 4 ComparableVersion whose
 * own test file is above; these pairs are exactly where the two disagree.
 */
const MAVEN_4 = 'maven-artifact 3.8.6 ordering (the generator); Maven 4 ComparableVersion, whose test file passes above, orders this pair the other way (MNG-7644: ".X" after a number reads as "-X"; "X1" is one combination item)';
const SCALIBR_EXCEPTIONS = new Map<string, string>([
  ['maven/maven-versions.txt:93', 'Maven 4 reads "bar-1" as the combined item bar1 (X-1 is X1), 3.8.6 as bar then a sub-list; the two spellings are no longer equal'],
  ['maven/maven-versions.txt:100', 'Maven 4 (and 3.9): "ga-1" is the combination item ga1, and a number outranks it, so 1-1 > 1-ga-1; 3.8.6 dropped "ga" as a null item and called them equal'],
  ...[312, 2781, 2786, 5776, 9949, 10216, 11435, 11450, 11476, 11526, 11557, 11578, 11582, 11594, 11602, 11612, 11621, 11687, 11748, 12042, 12642, 12763].map(
    (l): [string, string] => [`maven/maven-versions-generated.txt:${l}`, MAVEN_4],
  ),
]);

describe('maven comparator on upstream vectors', () => {
  const java = readJavaVectors(readFixture(JAVA), JAVA);

  it('holds every ordering fact of Maven ComparableVersionTest.java', () => {
    expect(java.facts.length).toBeGreaterThan(500);
    reportCounts('maven', 'ComparableVersionTest.java', checkFacts(mavenComparator, java.facts));
  });

  it('accounts for every vector line of ComparableVersionTest.java', () => {
    const lines = readFixture(JAVA).split('\n');
    const excepted = new Set(java.vectorLines.filter((l) => !java.claimed.has(l) && [...JAVA_NOT_ORDERING.keys()].some((re) => re.test(lines[l - 1]))));
    accountLines(JAVA, (line) => !/^\s*\/\//.test(line) && /"|check\w+\(|compareTo\(/.test(line), new Set([...java.claimed, ...excepted, ...lines.map((_, i) => i + 1).filter((l) => !java.vectorLines.includes(l))]));
    console.log(`[vectors] maven ComparableVersionTest.java: ${java.vectorLines.length - excepted.size} lines checked, ${excepted.size} lines excepted (not orderings)`);
  });

  it('holds osv-scalibr maven-versions.txt, except where Maven 4 changed 3.8.6 orderings', () => {
    reportCounts('maven', 'maven-versions.txt', checkFacts(mavenComparator, readOrderingList('maven/maven-versions.txt'), SCALIBR_EXCEPTIONS));
  });

  it('holds maven-versions-generated.txt (maven-artifact 3.8.6 over real OSV versions), except where Maven 4 changed', () => {
    reportCounts('maven', 'maven-versions-generated.txt', checkFacts(mavenComparator, readOrderingList('maven/maven-versions-generated.txt'), SCALIBR_EXCEPTIONS));
  });

  it('compares numbers of any size and trims null items', () => {
    expect(mavenComparator.compare('1.123456789012345678901234567890', '1.123456789012345678901234567891')).toBeLessThan(0);
    expect(mavenComparator.compare('1.0.0.0-ga', '1')).toBe(0);
    expect(mavenComparator.compare('1.0-sp', '1.0-final')).toBeGreaterThan(0);
  });

  it('falls back to a string order for versions longer than Maven accepts, without throwing', () => {
    const long = `1${'.1-a'.repeat(200)}`;
    expect(mavenComparator.isValid(long)).toBe(false);
    expect(mavenComparator.compare(long, `${long}.1`)).toBeLessThan(0);
    expect(mavenComparator.compare(`${long}.1`, long)).toBeGreaterThan(0);
  });

  it('is what comparatorFor gives Maven, with or without a repository suffix', () => {
    expect(comparatorFor('Maven')).toBe(mavenComparator);
    expect(comparatorFor('Maven:https://maven.google.com')).toBe(mavenComparator);
  });
});
