import { createHash, randomUUID } from 'node:crypto';
import { UsageError } from '../errors/index.js';

export interface Clock {
  date: Date;
  /** True when the time was fixed by the caller or SOURCE_DATE_EPOCH: ids are then derived from content. */
  fixed: boolean;
}

/**
 * The document time: `now` when the caller fixes it, else SOURCE_DATE_EPOCH (whole seconds,
 * as reproducible-builds.org defines it), else the wall clock. A malformed
 * SOURCE_DATE_EPOCH is an error rather than silently non-reproducible output.
 */
export function resolveClock(now?: Date, env: NodeJS.ProcessEnv = process.env): Clock {
  if (now) return { date: new Date(Math.floor(now.getTime() / 1000) * 1000), fixed: true };
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw !== undefined && raw !== '') {
    if (!/^\d{1,12}$/.test(raw.trim())) {
      throw new UsageError('BAD_FLAG', `SOURCE_DATE_EPOCH must be a non-negative integer number of seconds, got ${JSON.stringify(raw)}`);
    }
    return { date: new Date(Number(raw.trim()) * 1000), fixed: true };
  }
  return { date: new Date(Math.floor(Date.now() / 1000) * 1000), fixed: false };
}

/** `2024-05-01T12:00:00Z`: second precision, as SPDX requires. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Our own namespace for name-based UUIDs (generated once; never change it, or ids change).
const NAMESPACE = Buffer.from('6f1c2a8e5b3d4e0f9a7c1b2d3e4f5a6b', 'hex');

/** A UUID derived from content, built as RFC 9562 version 5 (SHA-1, namespace + name). */
export function contentUuid(content: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(content).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** Content-derived when the clock is fixed (reproducible), random otherwise. */
export function documentUuid(clock: Clock, content: () => string): string {
  return clock.fixed ? contentUuid(content()) : randomUUID();
}
