/**
 * Go's `time.Time` for Kyverno's time functions: values, calendar arithmetic and
 * `Format(time.RFC3339)`; `time.Parse` with Go reference-time layouts is in gotime-parse.ts.
 * A time keeps the offset it was written with, as Go's does, so `time_add('…-07:00', '3h')`
 * prints `-07:00` again.
 *
 * Zone abbreviations ("MST") get offset 0 unless they are UTC or GMT±h: Go looks them up in
 * the process's local zone, which for Kyverno's container is UTC.
 */
import { SECOND, clampInt64 } from './duration.js';

export interface GoTime {
  /** Seconds since the Unix epoch (UTC). */
  readonly unix: number;
  /** Nanoseconds within the second, 0…999999999. */
  readonly nsec: number;
  /** Zone offset in seconds east of UTC. */
  readonly offset: number;
}

export class GoTimeError extends Error {}

export const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
export const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
export function daysIn(month: number, year: number): number {
  if (month === 2 && isLeap(year)) return 29;
  return DAYS_BEFORE[month]! - DAYS_BEFORE[month - 1]!;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Calendar fields of a day count (civil_from_days). */
export function civilFromDays(z0: number): { year: number; month: number; day: number } {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const pad = (n: number, w: number): string => (n < 0 ? '-' + String(-n).padStart(w, '0') : String(n).padStart(w, '0'));

/** Local calendar fields in the time's own offset. */
export function goTimeFields(t: GoTime): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number } {
  const local = t.unix + t.offset;
  const days = Math.floor(local / 86400);
  const secs = local - days * 86400;
  const { year, month, day } = civilFromDays(days);
  return { year, month, day, hour: Math.floor(secs / 3600), minute: Math.floor((secs % 3600) / 60), second: secs % 60, weekday: (((days + 4) % 7) + 7) % 7 };
}

/** `t.Format(time.RFC3339)`: "2006-01-02T15:04:05Z07:00" (no fractional seconds). */
export function formatRFC3339(t: GoTime): string {
  const f = goTimeFields(t);
  let zone: string;
  if (t.offset === 0) zone = 'Z';
  else {
    const mins = Math.trunc(Math.abs(t.offset) / 60);
    zone = (t.offset < 0 ? '-' : '+') + pad(Math.floor(mins / 60), 2) + ':' + pad(mins % 60, 2);
  }
  return `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}${zone}`;
}

/** Nanoseconds since the epoch. */
export function goTimeNs(t: GoTime): bigint {
  return BigInt(t.unix) * SECOND + BigInt(t.nsec);
}

/** A time at `ns` nanoseconds since the epoch, shown in `offset`. */
export function goTimeFromNs(ns: bigint, offset: number): GoTime {
  let sec = ns / SECOND;
  let nsec = ns % SECOND;
  if (nsec < 0n) {
    nsec += SECOND;
    sec -= 1n;
  }
  return { unix: Number(sec), nsec: Number(nsec), offset };
}

/** `t2.Sub(t1)` in nanoseconds, saturating at the int64 range. */
export function subGoTime(t2: GoTime, t1: GoTime): bigint {
  return clampInt64(goTimeNs(t2) - goTimeNs(t1));
}

/** A `Date` (millisecond clock) as a Go time in UTC. */
export function goTimeFromDate(d: Date, offset = 0): GoTime {
  const ms = d.getTime();
  const unix = Math.floor(ms / 1000);
  return { unix, nsec: (ms - unix * 1000) * 1_000_000, offset };
}

/** Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch. */
export const ZERO_TIME_TO_UNIX = 62135596800n;
