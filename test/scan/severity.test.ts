// Severity: CVSS vectors scored with ae-cvss-calculator and banded as NVD does, checked
// against NVD's published base scores and against GitHub's own rating of each GHSA record
// we hold; vendor ratings take precedence.
import { describe, expect, it } from 'vitest';
import { scoreCvss, severityFromScore, severityFromUbuntuPriority, severityFromUrgency } from '../../src/scan/index.js';
import { decideSeverity, vendorSeverities } from '../../src/scan/severity.js';
import type { AdvisoryMatch } from '../../src/vulndb/types.js';
import { loadRecords } from './helpers.js';

describe('CVSS scores', () => {
  // Base scores NVD publishes for these CVEs (nvd.nist.gov/vuln/detail/<CVE>), vectors as the fixtures carry them.
  it.each([
    ['CVE-2021-44228', 'CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10.0],
    ['CVE-2019-10744', 'CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H', 9.1],
    ['CVE-2021-44906', 'CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVE-2023-32681', 'CVSS_V3', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N', 6.1],
    ['CVE-2021-44228 (v2)', 'CVSS_V2', 'AV:N/AC:M/Au:N/C:C/I:C/A:C', 9.3],
  ])('%s scores %s', (_cve, type, vector, score) => {
    expect(scoreCvss({ type, score: vector }, 'nvd')?.score).toBe(score);
  });

  it('bands scores as NVD: 0.1-3.9 LOW, 4-6.9 MEDIUM, 7-8.9 HIGH, 9-10 CRITICAL', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(severityFromScore)).toEqual(['UNKNOWN', 'LOW', 'LOW', 'MEDIUM', 'MEDIUM', 'HIGH', 'HIGH', 'CRITICAL', 'CRITICAL']);
  });

  it("agrees with GitHub's rating of every GHSA fixture (MODERATE = MEDIUM)", () => {
    const ghsa = loadRecords().filter(({ record }) => record.id.startsWith('GHSA-') && record.database_specific?.severity);
    expect(ghsa.length).toBeGreaterThanOrEqual(8);
    for (const { record } of ghsa) {
      const scores = (record.severity ?? []).map((s) => scoreCvss(s, 'ghsa')).filter((s) => s !== undefined);
      expect(scores.length, record.id).toBeGreaterThan(0);
      const rating = String(record.database_specific!.severity).replace('MODERATE', 'MEDIUM');
      expect(severityFromScore(Math.max(...scores.map((s) => s.score))), record.id).toBe(rating);
    }
  });

  it('refuses vectors that lack base metrics, do not parse, or do not match their type', () => {
    expect(scoreCvss({ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }, 'x')).toBeUndefined();
    expect(scoreCvss({ type: 'CVSS_V3', score: 'garbage' }, 'x')).toBeUndefined();
    expect(scoreCvss({ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:Q' }, 'x')).toBeUndefined();
    expect(scoreCvss({ type: 'CVSS_V4', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }, 'x')).toBeUndefined();
    expect(scoreCvss({ type: 'Ubuntu', score: 'medium' }, 'x')).toBeUndefined();
  });
});

describe('vendor severities', () => {
  it('maps Debian urgency as trivy-db does (`*` marks NVD-derived values)', () => {
    expect(['unimportant', 'low', 'low*', 'medium', 'medium**', 'high', 'not yet assigned', 'end-of-life'].map(severityFromUrgency)).toEqual([
      'LOW',
      'LOW',
      'LOW',
      'MEDIUM',
      'MEDIUM',
      'HIGH',
      'UNKNOWN',
      'UNKNOWN',
    ]);
  });

  it('maps Ubuntu priorities', () => {
    expect(['negligible', 'low', 'medium', 'high', 'critical', 'untriaged'].map(severityFromUbuntuPriority)).toEqual(['LOW', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'UNKNOWN']);
  });

  it('reads the Ubuntu priority of UBUNTU-CVE-2025-38094 as the vendor severity', () => {
    const rec = loadRecords().find((r) => r.record.id === 'UBUNTU-CVE-2025-38094')!.record;
    const m: AdvisoryMatch = { record: rec, affected: rec.affected![0], source: 'osv:Ubuntu' };
    const ubuntu = rec.severity!.find((s) => s.type === 'Ubuntu')!.score;
    expect(vendorSeverities(m)).toEqual([{ severity: severityFromUbuntuPriority(ubuntu), source: 'ubuntu', rank: 2 }]);
  });

  it('prefers the vendor over CVSS, the more authoritative vendor over the other, and v3 over v4 and v2', () => {
    const v3 = { source: 'nvd', version: '3.1' as const, vector: 'v3', score: 9.8 };
    const v2 = { source: 'nvd', version: '2.0' as const, vector: 'v2', score: 5 };
    expect(decideSeverity([{ severity: 'LOW', source: 'debian', rank: 1 }], [v3])).toEqual({ severity: 'LOW', source: 'debian' });
    expect(
      decideSeverity(
        [
          { severity: 'HIGH', source: 'ghsa', rank: 3 },
          { severity: 'LOW', source: 'debian', rank: 1 },
        ],
        [],
      ),
    ).toEqual({ severity: 'LOW', source: 'debian' });
    expect(decideSeverity([], [v2, v3])).toEqual({ severity: 'CRITICAL', source: 'cvss' });
    expect(decideSeverity([], [v2])).toEqual({ severity: 'MEDIUM', source: 'cvss' });
    expect(decideSeverity([], [])).toEqual({ severity: 'UNKNOWN' });
  });
});
