/**
 * Kyverno's time functions (pkg/engine/jmespath/time.go). Times are RFC 3339 strings unless a
 * Go layout is given; results keep the input's zone offset, as Go's do. "Now" is the
 * evaluation's fixed clock, in UTC (Kyverno's container runs in UTC).
 */
import { formatDuration, parseDuration } from './duration.js';
import { parseGoTime } from './gotime-parse.js';
import {
  GoTimeError, ZERO_TIME_TO_UNIX, formatRFC3339, goTimeFields, goTimeFromDate, goTimeFromNs, goTimeNs, subGoTime, type GoTime,
} from './gotime.js';
import { fnError, type FnEnv, type FnSpec } from './jp-common.js';

const RFC3339 = '2006-01-02T15:04:05Z07:00';

function parseTime(name: string, layout: string, value: string): GoTime {
  try {
    return parseGoTime(layout, value);
  } catch (e) {
    if (e instanceof GoTimeError) throw fnError(name, e.message);
    throw e;
  }
}

const timeArg = (name: string, v: unknown): GoTime => parseTime(name, RFC3339, v as string);

function durationArg(name: string, v: unknown): bigint {
  const d = parseDuration(v as string);
  if (d === undefined) throw fnError(name, `time: invalid duration ${JSON.stringify(v)}`);
  return d;
}

const now = (env: FnEnv): GoTime => goTimeFromDate(env.now);

export const TIME_FUNCTIONS: FnSpec[] = [
  {
    name: 'time_since',
    args: [['string'], ['string'], ['string']],
    fn: ([layout, ts1, ts2], env) => {
      const l = (layout as string) === '' ? RFC3339 : (layout as string);
      const t1 = parseTime('time_since', l, ts1 as string);
      const t2 = (ts2 as string) === '' ? now(env) : parseTime('time_since', l, ts2 as string);
      return formatDuration(subGoTime(t2, t1));
    },
  },
  { name: 'time_now', args: [], fn: (_args, env) => formatRFC3339(now(env)) },
  { name: 'time_now_utc', args: [], fn: (_args, env) => formatRFC3339(now(env)) },
  {
    name: 'time_to_cron',
    args: [['string']],
    fn: ([t]) => {
      const f = goTimeFields(timeArg('time_to_cron', t));
      return `${f.minute} ${f.hour} ${f.day} ${f.month} ${f.weekday}`;
    },
  },
  {
    name: 'time_add',
    args: [['string'], ['string']],
    fn: ([t, d]) => {
      const time = timeArg('time_add', t);
      return formatRFC3339(goTimeFromNs(goTimeNs(time) + durationArg('time_add', d), time.offset));
    },
  },
  {
    name: 'time_parse',
    args: [['string'], ['string']],
    fn: ([layout, ts]) => {
      if (/^[+-]?\d+$/.test(layout as string) && BigInt(layout as string) < 1n << 63n) {
        // An integer layout means "epoch seconds".
        if (!/^[+-]?\d+$/.test(ts as string)) throw fnError('time_parse', `strconv.ParseInt: parsing ${JSON.stringify(ts)}: invalid syntax`);
        return formatRFC3339({ unix: Number(ts), nsec: 0, offset: 0 });
      }
      return formatRFC3339(parseTime('time_parse', layout as string, ts as string));
    },
  },
  { name: 'time_utc', args: [['string']], fn: ([t]) => formatRFC3339({ ...timeArg('time_utc', t), offset: 0 }) },
  {
    name: 'time_diff',
    args: [['string'], ['string']],
    fn: ([a, b]) => formatDuration(subGoTime(timeArg('time_diff', b), timeArg('time_diff', a))),
  },
  {
    name: 'time_before',
    args: [['string'], ['string']],
    fn: ([a, b]) => goTimeNs(timeArg('time_before', a)) < goTimeNs(timeArg('time_before', b)),
  },
  {
    name: 'time_after',
    args: [['string'], ['string']],
    fn: ([a, b]) => goTimeNs(timeArg('time_after', a)) > goTimeNs(timeArg('time_after', b)),
  },
  {
    name: 'time_between',
    args: [['string'], ['string'], ['string']],
    fn: ([t, start, end]) => {
      const x = goTimeNs(timeArg('time_between', t));
      return x > goTimeNs(timeArg('time_between', start)) && x < goTimeNs(timeArg('time_between', end));
    },
  },
  {
    name: 'time_truncate',
    args: [['string'], ['string']],
    fn: ([t, d]) => {
      const time = timeArg('time_truncate', t);
      const dur = durationArg('time_truncate', d);
      if (dur <= 0n) return formatRFC3339(time);
      // Truncate works on the absolute time since Go's zero time, not the shown zone.
      const abs = goTimeNs(time) + ZERO_TIME_TO_UNIX * 1_000_000_000n;
      let rem = abs % dur;
      if (rem < 0n) rem += dur;
      return formatRFC3339(goTimeFromNs(goTimeNs(time) - rem, time.offset));
    },
  },
];

