/**
 * Reading policy and resource files: YAML multi-document streams, JSON, and `kind: List`.
 * Policies and manifests are untrusted input, so nesting depth and alias expansion are
 * bounded before the document tree is built (an alias bomb or 10 MB of `[[[[` must fail fast
 * with INVALID_YAML rather than exhaust the heap or the stack).
 */
import { Lexer, parseAllDocuments, Scalar } from 'yaml';
import type { ScalarTag } from 'yaml';
import { PolicyError } from '../types.js';
import type { Resource } from '../types.js';

/** Deepest nesting accepted in a policy or resource (real manifests stay under ~40). */
export const MAX_DEPTH = 200;
/** Aliases a document may dereference (Kubernetes manifests rarely use any). */
const MAX_ALIAS_COUNT = 100;

/*
 * Kyverno reads YAML through sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalars): `yes`/`on`/`y`
 * are booleans and `0644` is octal. The `yaml` package's default is YAML 1.2, so these two
 * resolutions are added in front of its core schema.
 */
const goBoolTrue: ScalarTag = {
  identify: (v) => v === true,
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
  resolve: () => new Scalar(true),
};
const goBoolFalse: ScalarTag = {
  identify: (v) => v === false,
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
  resolve: () => new Scalar(false),
};
const goOctal: ScalarTag = {
  identify: (v) => typeof v === 'number' && Number.isInteger(v),
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^[-+]?0[0-7]+$/,
  resolve: (s: string) => {
    const neg = s.startsWith('-');
    const n = parseInt(s.replace(/^[-+]/, ''), 8);
    return new Scalar(neg ? -n : n);
  },
};

function yamlError(source: string, reason: string): PolicyError {
  return new PolicyError('INVALID_YAML', `${source}: ${reason}`, { input: source });
}

/** Scans YAML tokens (iteratively) and rejects nesting deeper than MAX_DEPTH before parsing. */
function checkYamlNesting(text: string, source: string): void {
  let flow = 0;
  let lineStart = true;
  let indent = 0;
  let lineExtra = 0;
  const indents: number[] = [];
  let counted = false;
  for (const tok of new Lexer().lex(text)) {
    const c = tok[0];
    if (tok === '\n' || tok === '\r\n') {
      lineStart = true;
      indent = 0;
      lineExtra = 0;
      counted = false;
      continue;
    }
    if (lineStart && flow === 0 && /^[ ]+$/.test(tok)) {
      indent = tok.length;
      lineStart = false;
      continue;
    }
    lineStart = false;
    if (flow === 0 && !counted && c !== ' ' && c !== '#') {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      counted = true;
    }
    if (tok === '[' || tok === '{') flow++;
    else if ((tok === ']' || tok === '}') && flow > 0) flow--;
    else if (tok === '-' || tok === '?' || tok === ':') lineExtra++;
    if (flow + indents.length + lineExtra > MAX_DEPTH) {
      throw yamlError(source, `nesting deeper than ${MAX_DEPTH} levels`);
    }
  }
}

/** JSON bracket depth, skipping strings; linear and allocation-free. */
function checkJsonNesting(text: string, source: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) throw yamlError(source, `nesting deeper than ${MAX_DEPTH} levels`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** Iterative depth check of a parsed tree (aliases can deepen a tree beyond its text). */
function checkTreeDepth(root: unknown, source: string): void {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, d] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (d > MAX_DEPTH) throw yamlError(source, `nesting deeper than ${MAX_DEPTH} levels`);
    for (const v of Array.isArray(node) ? node : Object.values(node as object)) {
      if (v !== null && typeof v === 'object') stack.push([v, d + 1]);
    }
  }
}

/** Every document in a YAML stream or JSON text, as plain JSON values (empty documents dropped). */
export function parseDocuments(text: string, source: string): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    checkJsonNesting(text, source);
    try {
      const v: unknown = JSON.parse(text);
      return v === null ? [] : [v];
    } catch {
      // Not strict JSON: YAML flow syntax is a superset, so fall through to the YAML reader.
    }
  }
  checkYamlNesting(text, source);
  let docs;
  try {
    docs = parseAllDocuments(text, {
      merge: true,
      customTags: (tags) => [goBoolTrue, goBoolFalse, goOctal, ...tags],
    });
  } catch (e) {
    throw yamlError(source, (e as Error).message.split('\n')[0]!);
  }
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const err = doc.errors[0];
    if (err) {
      const where = err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
      throw yamlError(source, `${err.message.split('\n')[0]}${where}`);
    }
    let v: unknown;
    try {
      v = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      throw yamlError(source, (e as Error).message.split('\n')[0]!);
    }
    if (v === null || v === undefined) continue;
    checkTreeDepth(v, source);
    out.push(v);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Expands `kind: List` (and typed lists such as PodList) into their items. */
function flatten(docs: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const d of docs) {
    if (isObject(d) && typeof d.kind === 'string' && d.kind.endsWith('List') && Array.isArray(d.items)) {
      out.push(...flatten(d.items as unknown[]));
    } else if (Array.isArray(d)) {
      // A bare JSON array of objects is accepted as a list.
      out.push(...flatten(d));
    } else {
      out.push(d);
    }
  }
  return out;
}

export function isKyvernoPolicy(d: unknown): d is Resource {
  return (
    isObject(d) &&
    typeof d.apiVersion === 'string' &&
    d.apiVersion.startsWith('kyverno.io/') &&
    (d.kind === 'ClusterPolicy' || d.kind === 'Policy')
  );
}

/** The kyverno.io ClusterPolicy/Policy documents in a file; other documents are ignored. */
export function loadPolicies(text: string, source: string): Resource[] {
  return flatten(parseDocuments(text, source)).filter(isKyvernoPolicy);
}

/** The Kubernetes objects in a file; each must be a map with string apiVersion and kind. */
export function loadResources(text: string, source: string): Resource[] {
  const out: Resource[] = [];
  flatten(parseDocuments(text, source)).forEach((d, i) => {
    if (!isObject(d) || typeof d.kind !== 'string' || typeof d.apiVersion !== 'string') {
      throw new PolicyError('INVALID_RESOURCE', `${source}: document ${i + 1} is not a Kubernetes object (apiVersion and kind required)`, {
        input: source,
      });
    }
    out.push(d);
  });
  return out;
}
