// Every OSV record we import is checked against the official OSV JSON schema (copied in
// osv-schema.json; see OSV-SCHEMA-SOURCE.md) before it reaches the database, and its
// ecosystems against OSV's list, so the matcher never meets a shape it does not know.
import { isUtf8 } from 'node:buffer';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import schema from './osv-schema.json' with { type: 'json' };
import type { OsvRecord } from './osv-types.js';
import { VulnDbError } from './types.js';

/**
 * OSV's ecosystems: the schema's own `ecosystemName` list (the same list as osv-schema's
 * ecosystems.json, kept in step with the schema), plus `GIT`, which the schema's
 * `ecosystemWithSuffix` pattern also allows. Any of them may carry a `:suffix`.
 */
export const OSV_ECOSYSTEMS: readonly string[] = Object.freeze([...schema.$defs.ecosystemName.enum, 'GIT'].sort());
const KNOWN = new Set(OSV_ECOSYSTEMS);

/** True for `npm`, `Debian:12`, `Ubuntu:Pro:14.04:LTS`; false for `Debain:12`, `npm:`. */
export function isKnownEcosystem(ecosystem: string): boolean {
  const i = ecosystem.indexOf(':');
  if (i < 0) return KNOWN.has(ecosystem);
  return KNOWN.has(ecosystem.slice(0, i)) && i < ecosystem.length - 1;
}

let validator: Promise<ValidateFunction> | undefined;

/**
 * Loaded and compiled once, on first use: ajv plus compiling the schema costs ~100 ms,
 * which a scan that only looks records up should not pay.
 */
function osvValidator(): Promise<ValidateFunction> {
  validator ??= (async () => {
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const formats = await import('ajv-formats');
    // ajv-formats is CommonJS with a default export; take whichever shape the loader gives.
    type AddFormats = (ajv: InstanceType<typeof Ajv2020>) => unknown;
    const mod = formats.default as unknown as AddFormats & { default?: AddFormats };
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    (mod.default ?? mod)(ajv);
    return ajv.compile(schema);
  })();
  return validator;
}

function describeError(e: ErrorObject): string {
  const at = e.instancePath || '/';
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})` : '';
  return `${at} ${e.message ?? e.keyword}${extra}`;
}

function idOf(value: unknown): string {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : '(no id)';
}

export interface OsvChecker {
  /**
   * Checks one parsed record; `where` names the file or zip member it came from. Unknown
   * ecosystems are IMPORT_UNKNOWN_ECOSYSTEM (checked first: the schema would reject them
   * too, less clearly), anything else that fails the schema IMPORT_INVALID_RECORD.
   */
  validate(value: unknown, where: string): OsvRecord;
  /** Decodes (strict UTF-8), parses and validates one OSV JSON document. */
  parse(bytes: Uint8Array, where: string): OsvRecord;
}

/** The record checker, with the schema compiled (once per process). */
export async function createOsvChecker(): Promise<OsvChecker> {
  const validate = await osvValidator();
  const check = (value: unknown, where: string) => validateOsvRecord(validate, value, where);
  return { validate: check, parse: (bytes, where) => check(parseJson(bytes, where), where) };
}

function validateOsvRecord(validate: ValidateFunction, value: unknown, where: string): OsvRecord {
  const affected = (value as { affected?: unknown } | null)?.affected;
  if (Array.isArray(affected)) {
    for (const a of affected) {
      const eco = (a as { package?: { ecosystem?: unknown } } | null)?.package?.ecosystem;
      if (typeof eco === 'string' && !isKnownEcosystem(eco)) {
        throw new VulnDbError('IMPORT_UNKNOWN_ECOSYSTEM', `record ${idOf(value)} names ecosystem ${JSON.stringify(eco)}, which is not an OSV ecosystem (known: ${OSV_ECOSYSTEMS.join(', ')}, each optionally with a :suffix)`, { input: where });
      }
    }
  }
  if (!validate(value)) {
    const first = validate.errors?.[0];
    throw new VulnDbError('IMPORT_INVALID_RECORD', `record ${idOf(value)} fails the OSV schema: ${first ? describeError(first) : 'invalid'}`, { input: where });
  }
  return value as OsvRecord;
}

function parseJson(bytes: Uint8Array, where: string): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // isUtf8 is native and fast; Buffer#toString alone would replace bad bytes silently.
  if (!isUtf8(buf)) throw new VulnDbError('IMPORT_INVALID_RECORD', 'OSV record is not valid UTF-8', { input: where });
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    const why = e instanceof RangeError ? 'nests too deeply' : `is not JSON (${(e as Error).message})`;
    throw new VulnDbError('IMPORT_INVALID_RECORD', `OSV record ${why}`, { input: where, cause: e });
  }
}
