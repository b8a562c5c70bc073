// Where images live in YAML and JSON documents: Kubernetes Pod specs in every workload
// kind (and List items), Kustomize `images:`, docker-compose `services.*.image`, and —
// opt-in — Helm values `image: {repository, tag}` maps.
import { basename } from 'node:path';
import { Collector, toSlot } from './collector.js';
import { splitWritten } from './imageref.js';
import { isTMap, isTScalar, isTSeq, mapGet, pairOf, stringOf, type LineIndex, type TMap, type TNode, type TPair } from './tree.js';
import type { Insertion } from './types.js';

/** Pod spec paths by kind; anything else with a Pod template (Rollouts, Knative, …) is read at spec.template.spec. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
const TEMPLATE_PATH = ['spec', 'template', 'spec'];
const CONTAINER_FIELDS = ['initContainers', 'containers', 'ephemeralContainers'];

const KUSTOMIZATION_FILE = /^kustomization\.ya?ml$|^Kustomization$/;
const COMPOSE_FILE = /^(docker-)?compose([.-][^/]*)?\.ya?ml$/i;
const VALUES_FILE = /values[^/]*\.ya?ml$/i;

export interface LocateOptions {
  helm?: boolean;
}

function at(node: TNode | null | undefined, path: readonly string[]): TNode | null | undefined {
  let cur = node;
  for (const key of path) {
    if (!isTMap(cur)) return undefined;
    cur = mapGet(cur, key);
  }
  return cur;
}

/** `Deployment/bookstore/catalog`, or `Pod/web` without a namespace. */
function objectLabel(obj: TMap, kind: string): string {
  const meta = mapGet(obj, 'metadata');
  const name = (isTMap(meta) && stringOf(mapGet(meta, 'name'))) || (isTMap(meta) && stringOf(mapGet(meta, 'generateName'))) || '(unnamed)';
  const ns = isTMap(meta) ? stringOf(mapGet(meta, 'namespace')) : undefined;
  return `${kind}/${ns ? `${ns}/` : ''}${name}`;
}

function locateKubernetes(obj: TMap, c: Collector, depth = 0): void {
  const kind = stringOf(mapGet(obj, 'kind')) ?? '';
  const items = mapGet(obj, 'items');
  if (kind.endsWith('List') && isTSeq(items) && depth < 8) {
    for (const item of items.items) if (isTMap(item)) locateKubernetes(item, c, depth + 1);
    return;
  }
  const path = POD_SPEC_PATHS[kind] ?? TEMPLATE_PATH;
  const spec = at(obj, path);
  if (!isTMap(spec)) return;
  const label = objectLabel(obj, kind);
  for (const field of CONTAINER_FIELDS) {
    const list = mapGet(spec, field);
    if (!isTSeq(list)) continue;
    list.items.forEach((container, i) => {
      if (!isTMap(container)) return;
      const image = pairOf(container, 'image');
      if (!image) return;
      const cname = stringOf(mapGet(container, 'name'));
      c.addImage('kubernetes', `${label} ${[...path, field].join('.')}[${i}]${cname ? ` (${cname})` : ''}`, image.value);
    });
  }
}

function locateCompose(root: TMap, c: Collector): void {
  const services = mapGet(root, 'services');
  if (!isTMap(services)) return;
  for (const svc of services.pairs) {
    if (!isTMap(svc.value)) continue;
    const image = pairOf(svc.value, 'image');
    if (image) c.addImage('compose', `services.${svc.key.value}.image`, image.value);
  }
}

/** Where a new pair goes at the end of `map`, laid out like its other pairs. */
export function insertionAfter(map: TMap, text: string, lines: LineIndex): Insertion {
  const last = map.pairs[map.pairs.length - 1] as TPair;
  const lastEnd = last.value ? last.value.end : last.key.end;
  const keyIndent = ' '.repeat(last.key.start - lines.lineStart(last.key.start));
  if (!map.flow) {
    // After the last pair's line (past any trailing comment), at the keys' indentation.
    let nl = text.indexOf('\n', lastEnd);
    if (nl < 0) return { at: text.length, layout: 'block', indent: keyIndent, multiline: true, eol: text.includes('\r\n') ? '\r\n' : '\n', json: false };
    let eol = '\n';
    if (nl > 0 && text[nl - 1] === '\r') {
      nl--;
      eol = '\r\n';
    }
    return { at: nl, layout: 'block', indent: keyIndent, multiline: true, eol, json: false };
  }
  const multiline = lines.position(last.key.start).line !== lines.position(map.start).line;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { at: lastEnd, layout: 'flow', indent: keyIndent, multiline, eol, json: map.json };
}

function locateKustomize(root: TMap, c: Collector, text: string): void {
  const images = mapGet(root, 'images');
  if (!isTSeq(images)) return;
  images.items.forEach((entry, i) => {
    if (!isTMap(entry)) return;
    const where = `images[${i}]`;
    const nameNode = mapGet(entry, 'name');
    const name = stringOf(nameNode);
    if (!name || !isTScalar(nameNode)) return;
    const newName = stringOf(mapGet(entry, 'newName'));
    const tagPair = pairOf(entry, 'newTag');
    const digestPair = pairOf(entry, 'digest');
    const tagSlot = toSlot(tagPair?.value);
    const digestSlot = toSlot(digestPair?.value);
    const lookupName = newName ?? name;
    const tag = tagSlot?.value || undefined;
    const digest = digestSlot?.value || undefined;
    const image = `${lookupName}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
    const skip = (reason: string) => c.skip('kustomize', where, image, nameNode.start, nameNode.end, reason);
    if ((tagPair && !tagSlot) || (digestPair && !digestSlot)) return skip('newTag or digest is not a plain string: edit it by hand');
    if (!tag && !digest) return skip('no newTag: the tag comes from the resources\' image fields (pin those)');
    const w = splitWritten(image);
    if ('problem' in w) return skip(w.problem);
    const target = {
      kind: 'kustomize' as const,
      insert: insertionAfter(entry, text, c.lines),
      ...(tagPair && tagSlot ? { tagKey: toSlot(tagPair.key), tag: tagSlot } : {}),
      ...(digestSlot ? { digest: digestSlot } : {}),
    };
    c.add('kustomize', where, image, w, target, nameNode.start, nameNode.end);
  });
}

/** Helm values: every `…image: {repository, tag, digest?, registry?}` map, at any depth. */
function locateHelm(node: TNode | null, path: string, c: Collector): void {
  if (isTSeq(node)) {
    node.items.forEach((item, i) => locateHelm(item, `${path}[${i}]`, c));
    return;
  }
  if (!isTMap(node)) return;
  for (const p of node.pairs) {
    const key = p.key.value;
    const sub = path ? `${path}.${key}` : key;
    if (/image$/i.test(key) && isTMap(p.value) && isTScalar(mapGet(p.value, 'repository'))) helmImage(p.value, sub, c);
    else locateHelm(p.value, sub, c);
  }
}

function helmImage(map: TMap, where: string, c: Collector): void {
  const repoNode = mapGet(map, 'repository');
  const repository = stringOf(repoNode);
  if (!repository || !isTScalar(repoNode)) return;
  const registry = stringOf(mapGet(map, 'registry'));
  const name = registry ? `${registry}/${repository}` : repository;
  const tagPair = pairOf(map, 'tag');
  const digestPair = pairOf(map, 'digest');
  const tagSlot = toSlot(tagPair?.value);
  const digestSlot = toSlot(digestPair?.value);
  let tag = tagSlot?.value || undefined;
  let digest = digestSlot?.value || undefined;
  // `tag: 1.2@sha256:…` is this convention's pinned form without a digest field.
  if (tag?.includes('@')) {
    digest ??= tag.slice(tag.indexOf('@') + 1);
    tag = tag.slice(0, tag.indexOf('@'));
  }
  const image = `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  const skip = (reason: string) => c.skip('helm', where, image, repoNode.start, repoNode.end, reason);
  if ((tagPair && tagPair.value && !tagSlot) || (digestPair && digestPair.value && !digestSlot)) return skip('tag or digest is not a plain string: edit it by hand');
  if (!tag && !digest) return skip("no tag: the chart's appVersion decides; set image.tag to pin");
  if (!tagSlot && !digestSlot) return;
  const w = splitWritten(image);
  if ('problem' in w) return skip(w.problem);
  // Written where the chart reads it: a digest field when it has one, else the tag.
  const target = { kind: 'helm' as const, ...(tagSlot ? { tag: tagSlot } : {}), ...(digestSlot ? { digest: digestSlot } : {}) };
  c.add('helm', where, image, w, target, repoNode.start, repoNode.end);
}

/** Finds the references in the documents of one YAML or JSON file. */
export function locateInDocuments(roots: readonly TNode[], c: Collector, text: string, opts: LocateOptions = {}): void {
  const base = basename(c.file);
  const visit = (root: TNode, depth: number) => {
    if (isTSeq(root) && depth === 0) {
      // A top-level array of objects (some tools emit those instead of a List).
      for (const item of root.items) if (item) visit(item, depth + 1);
      return;
    }
    if (!isTMap(root)) return;
    const kind = stringOf(mapGet(root, 'kind'));
    const kustomize = kind === 'Kustomization' || (kind === 'Component' && stringOf(mapGet(root, 'apiVersion'))?.startsWith('kustomize.config.k8s.io/'));
    if (KUSTOMIZATION_FILE.test(base) || kustomize) locateKustomize(root, c, text);
    else if (kind) locateKubernetes(root, c);
    else if (opts.helm && VALUES_FILE.test(base)) locateHelm(root, '', c);
    else if (COMPOSE_FILE.test(base) || (isTMap(mapGet(root, 'services')) && mapGet(root, 'apiVersion') === undefined)) locateCompose(root, c);
  };
  for (const root of roots) visit(root, 0);
}
