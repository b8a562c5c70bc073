// Kubernetes manifests for the config scan: the documents of a YAML stream or JSON text
// (Helm and Kustomize output, `kubectl get -o yaml` Lists), each with the line it starts
// on. Values come from the policy engine's reader (YAML 1.1 scalars as Kubernetes reads
// them; depth and alias guards); the start lines from a second, structure-only pass of the
// yaml package's CST parser, which builds no values.
import { LineCounter, Parser } from 'yaml';
import { parseDocuments } from '../policy/engine/index.js';
import type { Resource } from '../policy/types.js';
import { ConfigError } from './types.js';

export interface ManifestObject {
  resource: Resource;
  /** 1-based line of the document (for a List item: of the List's document); absent when unknown. */
  line?: number;
}

export interface ManifestFile {
  objects: ManifestObject[];
  /** Documents that are not Kubernetes objects (no apiVersion/kind): skipped. */
  ignored: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const EMPTY_SCALAR = /^(~|null|Null|NULL|)$/;

/** Start lines of the non-empty documents of a YAML stream, or undefined when they cannot be matched up. */
function documentLines(text: string): number[] | undefined {
  const lc = new LineCounter();
  const lines: number[] = [];
  for (const tok of new Parser(lc.addNewLine).parse(text)) {
    if (tok.type !== 'document' || !tok.value) continue;
    const v = tok.value;
    if (v.type === 'scalar' && EMPTY_SCALAR.test(v.source.trim())) continue;
    lines.push(lc.linePos(v.offset).line);
  }
  return lines;
}

/**
 * The Kubernetes objects in a manifest text. `kind: List` and typed lists (`PodList`) are
 * expanded; an item without apiVersion/kind takes them from a typed list. Documents that
 * are not objects with string apiVersion and kind are counted as ignored. Throws
 * ConfigError INVALID_YAML (bad syntax, an alias bomb, nesting too deep).
 */
export function loadManifests(text: string, file: string): ManifestFile {
  let docs: unknown[];
  try {
    docs = parseDocuments(text, file);
  } catch (e) {
    throw new ConfigError('INVALID_YAML', (e as Error).message.replace(`${file}: `, ''), { input: file, cause: e });
  }
  const json = /^\s*[{[]/.test(text);
  let lines = json ? docs.map(() => 1) : documentLines(text);
  if (!lines || lines.length !== docs.length) lines = undefined;
  const out: ManifestFile = { objects: [], ignored: 0 };
  docs.forEach((doc, i) => collect(doc, lines?.[i], out));
  return out;
}

function collect(doc: unknown, line: number | undefined, out: ManifestFile, inherit?: { apiVersion: string; kind: string }): void {
  if (Array.isArray(doc)) {
    for (const item of doc) collect(item, line, out);
    return;
  }
  if (!isObject(doc)) {
    out.ignored++;
    return;
  }
  const kind = typeof doc.kind === 'string' ? doc.kind : inherit?.kind;
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : inherit?.apiVersion;
  if (kind && kind.endsWith('List') && Array.isArray(doc.items)) {
    // `kubectl get deploy -o json` gives a List whose items carry their own kind; a typed
    // DeploymentList's items may not.
    const itemKind = kind === 'List' ? undefined : { apiVersion: apiVersion ?? 'v1', kind: kind.slice(0, -'List'.length) };
    for (const item of doc.items) collect(item, line, out, itemKind);
    return;
  }
  if (!kind || !apiVersion) {
    out.ignored++;
    return;
  }
  const resource = kind === doc.kind && apiVersion === doc.apiVersion ? doc : { ...doc, apiVersion, kind };
  out.objects.push(line === undefined ? { resource } : { resource, line });
}

/** `Deployment/prod/web`, or `Pod/web` when the object names no namespace. */
export function resourceLabel(r: Resource): string {
  const meta = isObject(r.metadata) ? r.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '(unnamed)';
  const ns = typeof meta.namespace === 'string' && meta.namespace !== '' ? `${meta.namespace}/` : '';
  return `${String(r.kind)}/${ns}${name}`;
}
