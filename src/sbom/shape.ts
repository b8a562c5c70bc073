// Reading untrusted JSON without trusting its shape: every accessor checks the type and
// gives undefined (or an empty list) for anything else.
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

/** A non-empty string, trimmed of nothing (values are kept as written). */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function arr(v: unknown): Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}

export function objects(v: unknown): JsonObject[] {
  return arr(v).filter(isObject);
}

export function strings(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === 'string' && x !== '');
}
