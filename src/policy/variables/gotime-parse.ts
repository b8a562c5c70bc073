/**
 * Go's `time.Parse(layout, value)`: the layout is tokenised as Go's `nextStdChunk` does, the
 * value read chunk by chunk with Go's rules (runs of spaces, fractional seconds after seconds,
 * zone names and offsets, day-of-year), and errors where Go errors.
 */
import { DAYS_BEFORE, GoTimeError, daysFromCivil, daysIn, isLeap, type GoTime } from './gotime.js';

const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));

type Std =
  | 'LongMonth' | 'Month' | 'NumMonth' | 'ZeroMonth' | 'LongWeekDay' | 'WeekDay' | 'Day' | 'UnderDay' | 'ZeroDay'
  | 'UnderYearDay' | 'ZeroYearDay' | 'Hour' | 'Hour12' | 'ZeroHour12' | 'Minute' | 'ZeroMinute' | 'Second' | 'ZeroSecond'
  | 'LongYear' | 'Year' | 'PM' | 'pm' | 'TZ' | 'ISO8601TZ' | 'ISO8601SecondsTZ' | 'ISO8601ShortTZ' | 'ISO8601ColonTZ'
  | 'ISO8601ColonSecondsTZ' | 'NumTZ' | 'NumSecondsTz' | 'NumShortTZ' | 'NumColonTZ' | 'NumColonSecondsTZ'
  | 'FracSecond0' | 'FracSecond9';

interface Chunk {
  prefix: string;
  std?: Std;
  digits?: number;
  suffix: string;
}

const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';
const ZERO_STD: Std[] = ['ZeroMonth', 'ZeroDay', 'ZeroHour12', 'ZeroMinute', 'ZeroSecond', 'Year'];
const TZ_FORMS: [string, Std][] = [['070000', 'NumSecondsTz'], ['07:00:00', 'NumColonSecondsTZ'], ['0700', 'NumTZ'], ['07:00', 'NumColonTZ'], ['07', 'NumShortTZ']];
const ISO_FORMS: Record<string, Std> = { NumSecondsTz: 'ISO8601SecondsTZ', NumColonSecondsTZ: 'ISO8601ColonSecondsTZ', NumTZ: 'ISO8601TZ', NumColonTZ: 'ISO8601ColonTZ', NumShortTZ: 'ISO8601ShortTZ' };

/** Go's `nextStdChunk`. */
function nextStdChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i]!;
    const rest = layout.slice(i);
    const at = (std: Std, len: number, prefixEnd = i): Chunk => ({ prefix: layout.slice(0, prefixEnd), std, suffix: layout.slice(i + len) });
    switch (c) {
      case 'J':
        if (rest.startsWith('Jan')) {
          if (rest.startsWith('January')) return at('LongMonth', 7);
          if (!isLower(rest[3])) return at('Month', 3);
        }
        break;
      case 'M':
        if (rest.startsWith('Mon')) {
          if (rest.startsWith('Monday')) return at('LongWeekDay', 6);
          if (!isLower(rest[3])) return at('WeekDay', 3);
        }
        if (rest.startsWith('MST')) return at('TZ', 3);
        break;
      case '0':
        if (rest.length >= 2 && rest[1]! >= '1' && rest[1]! <= '6') return at(ZERO_STD[rest.charCodeAt(1) - 49]!, 2);
        if (rest.startsWith('002')) return at('ZeroYearDay', 3);
        break;
      case '1':
        return rest[1] === '5' ? at('Hour', 2) : at('NumMonth', 1);
      case '2':
        return rest.startsWith('2006') ? at('LongYear', 4) : at('Day', 1);
      case '_':
        if (rest[1] === '2') {
          if (rest.slice(1, 5) === '2006') return { prefix: layout.slice(0, i + 1), std: 'LongYear', suffix: layout.slice(i + 5) };
          return at('UnderDay', 2);
        }
        if (rest.startsWith('__2')) return at('UnderYearDay', 3);
        break;
      case '3': return at('Hour12', 1);
      case '4': return at('Minute', 1);
      case '5': return at('Second', 1);
      case 'P':
        if (rest[1] === 'M') return at('PM', 2);
        break;
      case 'p':
        if (rest[1] === 'm') return at('pm', 2);
        break;
      case '-':
      case 'Z':
        for (const [form, std] of TZ_FORMS) {
          if (rest.slice(1).startsWith(form)) return at(c === 'Z' ? ISO_FORMS[std]! : std, form.length + 1);
        }
        break;
      case '.':
      case ',':
        if (rest[1] === '0' || rest[1] === '9') {
          const ch = rest[1];
          let j = 1;
          while (rest[j] === ch) j++;
          if (!isDigitAt(rest, j)) {
            return { prefix: layout.slice(0, i), std: ch === '0' ? 'FracSecond0' : 'FracSecond9', digits: j - 1, suffix: layout.slice(i + j) };
          }
        }
        break;
      default:
        break;
    }
  }
  return { prefix: layout, suffix: '' };
}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new GoTimeError('bad value');
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new GoTimeError('bad value');
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + s.charCodeAt(1) - 48, s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + s.charCodeAt(i) - 48;
  if (i === 0 || (fixed && i !== 3)) throw new GoTimeError('bad value');
  return [n, s.slice(i)];
}

function lookup(tab: string[], val: string): [number, string] {
  for (let i = 0; i < tab.length; i++) {
    const name = tab[i]!;
    if (val.length >= name.length && val.slice(0, name.length).toLowerCase() === name.toLowerCase()) return [i, val.slice(name.length)];
  }
  throw new GoTimeError('bad value');
}

function parseNanoseconds(value: string, nbytes: number): number {
  if (value[0] !== '.' && value[0] !== ',') throw new GoTimeError('bad value');
  let digits = value.slice(1, nbytes);
  if (digits.length > 9) digits = digits.slice(0, 9);
  return Number(digits.padEnd(9, '0'));
}

/** Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`, or 0. */
function parseTimeZone(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) {
    const m = /^GMT([+-]\d{1,2})?/.exec(value)!;
    return m[0].length;
  }
  if (value[0] === '+' || value[0] === '-') {
    const m = /^[+-]\d{2}/.exec(value);
    return m ? 3 : 0;
  }
  let n = 0;
  while (n < 6 && n < value.length && value[n]! >= 'A' && value[n]! <= 'Z') n++;
  if (n === 3) return 3;
  if (n === 4 && (value[3] === 'T' || value.startsWith('WITA'))) return 4;
  if (n === 5 && value[4] === 'T') return 5;
  return 0;
}

/** `time.Parse(layout, value)`; throws GoTimeError where Go returns an error. */
export function parseGoTime(layoutIn: string, valueIn: string): GoTime {
  let layout = layoutIn;
  let value = valueIn;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pmSet = false;
  let amSet = false;
  let utc = false;
  let zoneOffset: number | undefined;
  let zoneName = '';
  const bad = (what = 'bad value'): never => {
    throw new GoTimeError(`parsing time ${JSON.stringify(valueIn)} as ${JSON.stringify(layoutIn)}: ${what}`);
  };
  for (;;) {
    const chunk = nextStdChunk(layout);
    // skip the literal prefix (spaces in the layout match runs of spaces in the value)
    let prefix = chunk.prefix;
    while (prefix.length > 0) {
      if (prefix[0] === ' ') {
        if (value.length > 0 && value[0] !== ' ') bad();
        prefix = prefix.replace(/^ +/, '');
        value = value.replace(/^ +/, '');
        continue;
      }
      if (value.length === 0 || value[0] !== prefix[0]) bad();
      prefix = prefix.slice(1);
      value = value.slice(1);
    }
    if (!chunk.std) {
      if (value.length !== 0) bad(`extra text: ${JSON.stringify(value)}`);
      break;
    }
    layout = chunk.suffix;
    try {
      switch (chunk.std) {
        case 'Year': {
          if (value.length < 2) bad();
          const [y, rest] = getnum(value, true);
          year = y >= 69 ? y + 1900 : y + 2000;
          value = rest;
          break;
        }
        case 'LongYear':
          if (value.length < 4 || !/^\d{4}/.test(value)) bad();
          year = Number(value.slice(0, 4));
          value = value.slice(4);
          break;
        case 'Month': [month, value] = lookup(SHORT_MONTHS, value); month++; break;
        case 'LongMonth': [month, value] = lookup(LONG_MONTHS, value); month++; break;
        case 'NumMonth':
        case 'ZeroMonth':
          [month, value] = getnum(value, chunk.std === 'ZeroMonth');
          if (month <= 0 || month > 12) bad('month out of range');
          break;
        case 'WeekDay': [, value] = lookup(SHORT_DAYS, value); break;
        case 'LongWeekDay': [, value] = lookup(LONG_DAYS, value); break;
        case 'Day':
        case 'UnderDay':
        case 'ZeroDay':
          if (chunk.std === 'UnderDay' && value[0] === ' ') value = value.slice(1);
          [day, value] = getnum(value, chunk.std === 'ZeroDay');
          break;
        case 'UnderYearDay':
        case 'ZeroYearDay':
          for (let i = 0; i < 2; i++) if (chunk.std === 'UnderYearDay' && value[0] === ' ') value = value.slice(1);
          [yday, value] = getnum3(value, chunk.std === 'ZeroYearDay');
          break;
        case 'Hour':
          [hour, value] = getnum(value, false);
          if (hour >= 24) bad('hour out of range');
          break;
        case 'Hour12':
        case 'ZeroHour12':
          [hour, value] = getnum(value, chunk.std === 'ZeroHour12');
          if (hour > 12) bad('hour out of range');
          break;
        case 'Minute':
        case 'ZeroMinute':
          [min, value] = getnum(value, chunk.std === 'ZeroMinute');
          if (min >= 60) bad('minute out of range');
          break;
        case 'Second':
        case 'ZeroSecond': {
          [sec, value] = getnum(value, chunk.std === 'ZeroSecond');
          if (sec >= 60) bad('second out of range');
          // A fractional second in the value that the layout does not mention is accepted.
          if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1)) {
            const next = nextStdChunk(layout).std;
            if (next === 'FracSecond0' || next === 'FracSecond9') break;
            let n = 2;
            while (isDigitAt(value, n)) n++;
            nsec = parseNanoseconds(value, n);
            value = value.slice(n);
          }
          break;
        }
        case 'PM':
        case 'pm': {
          const p = value.slice(0, 2);
          if (p.length < 2) bad();
          const [pm, am] = chunk.std === 'PM' ? ['PM', 'AM'] : ['pm', 'am'];
          if (p === pm) pmSet = true;
          else if (p === am) amSet = true;
          else bad();
          value = value.slice(2);
          break;
        }
        case 'ISO8601TZ': case 'ISO8601ShortTZ': case 'ISO8601ColonTZ': case 'ISO8601SecondsTZ': case 'ISO8601ColonSecondsTZ':
        case 'NumTZ': case 'NumShortTZ': case 'NumColonTZ': case 'NumSecondsTz': case 'NumColonSecondsTZ': {
          if (chunk.std.startsWith('ISO') && value[0] === 'Z') {
            value = value.slice(1);
            utc = true;
            break;
          }
          const std = chunk.std.replace('ISO8601', 'Num');
          let sign: string, hh: string, mm: string, ss: string;
          if (std === 'NumColonTZ') {
            if (value.length < 6 || value[3] !== ':') bad();
            [sign, hh, mm, ss, value] = [value[0]!, value.slice(1, 3), value.slice(4, 6), '00', value.slice(6)];
          } else if (std === 'NumShortTZ') {
            if (value.length < 3) bad();
            [sign, hh, mm, ss, value] = [value[0]!, value.slice(1, 3), '00', '00', value.slice(3)];
          } else if (std === 'NumColonSecondsTZ') {
            if (value.length < 9 || value[3] !== ':' || value[6] !== ':') bad();
            [sign, hh, mm, ss, value] = [value[0]!, value.slice(1, 3), value.slice(4, 6), value.slice(7, 9), value.slice(9)];
          } else if (std === 'NumSecondsTz' || std === 'NumSecondsTZ') {
            if (value.length < 7) bad();
            [sign, hh, mm, ss, value] = [value[0]!, value.slice(1, 3), value.slice(3, 5), value.slice(5, 7), value.slice(7)];
          } else {
            if (value.length < 5) bad();
            [sign, hh, mm, ss, value] = [value[0]!, value.slice(1, 3), value.slice(3, 5), '00', value.slice(5)];
          }
          const hr = getnum(hh, true)[0];
          const mi = getnum(mm, true)[0];
          const se = getnum(ss, true)[0];
          if (hr > 24) bad('time zone offset hour out of range');
          if (mi > 60) bad('time zone offset minute out of range');
          if (se > 60) bad('time zone offset second out of range');
          zoneOffset = (hr * 60 + mi) * 60 + se;
          if (sign === '-') zoneOffset = -zoneOffset;
          else if (sign !== '+') bad();
          break;
        }
        case 'TZ': {
          if (value.startsWith('UTC')) {
            utc = true;
            value = value.slice(3);
            break;
          }
          const n = parseTimeZone(value);
          if (n === 0) bad();
          zoneName = value.slice(0, n);
          value = value.slice(n);
          break;
        }
        case 'FracSecond0': {
          const n = 1 + chunk.digits!;
          if (value.length < n) bad();
          nsec = parseNanoseconds(value, n);
          value = value.slice(n);
          break;
        }
        case 'FracSecond9': {
          if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) break;
          let i = 0;
          while (isDigitAt(value, i + 1)) i++;
          nsec = parseNanoseconds(value, 1 + i);
          value = value.slice(1 + i);
          break;
        }
      }
    } catch (e) {
      if (e instanceof GoTimeError && !e.message.startsWith('parsing time')) bad(e.message);
      throw e;
    }
  }
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let d = 0;
    let m = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) yday--;
    }
    if (yday < 1 || yday > 365) bad('day-of-year out of range');
    if (m === 0) {
      m = Math.floor((yday - 1) / 31) + 1;
      if (DAYS_BEFORE[m]! < yday) m++;
      d = yday - DAYS_BEFORE[m - 1]!;
    }
    if (month >= 0 && month !== m) bad('day-of-year does not match month');
    month = m;
    if (day >= 0 && day !== d) bad('day-of-year does not match day');
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) bad('day out of range');
  const local = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
  if (utc) return { unix: local, nsec, offset: 0 };
  if (zoneOffset !== undefined) return { unix: local - zoneOffset, nsec, offset: zoneOffset };
  if (zoneName !== '') {
    let offset = 0;
    const gmt = /^GMT([+-]\d+)$/.exec(zoneName);
    if (gmt) offset = Number(gmt[1]) * 3600;
    return { unix: local - offset, nsec, offset };
  }
  return { unix: local, nsec, offset: 0 };
}

