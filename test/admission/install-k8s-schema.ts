// Strict structural validation of Kubernetes objects against the API types that
// @kubernetes/client-node generates from the Kubernetes OpenAPI spec (v1.34 for client-node
// 1.4): every field must exist in the type (like kubeconform's standalone-strict schemas),
// values must have the type's shape, and fields the type declares non-optional must be set.
// Offline: the type maps ship in node_modules; required fields are read from the .d.ts files.
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const MODELS = join(process.cwd(), 'node_modules/@kubernetes/client-node/dist/gen/models');

/** Model of each top-level kind we render. */
export const MODEL_OF_KIND: Record<string, string> = {
  ClusterRole: 'V1ClusterRole',
  ClusterRoleBinding: 'V1ClusterRoleBinding',
  ConfigMap: 'V1ConfigMap',
  CustomResourceDefinition: 'V1CustomResourceDefinition',
  Deployment: 'V1Deployment',
  Namespace: 'V1Namespace',
  PodDisruptionBudget: 'V1PodDisruptionBudget',
  Service: 'V1Service',
  ServiceAccount: 'V1ServiceAccount',
  ValidatingWebhookConfiguration: 'V1ValidatingWebhookConfiguration',
};

interface Attribute {
  baseName: string;
  type: string;
  format: string;
}

interface ModelClass {
  getAttributeTypeMap(): Attribute[];
}

const requiredCache = new Map<string, Set<string>>();

/** Non-optional properties of a model: `'name': T;` (not `'name'?: T;`) in its declaration file. */
function requiredFields(model: string): Set<string> {
  let set = requiredCache.get(model);
  if (!set) {
    const dts = readFileSync(join(MODELS, `${model}.d.ts`), 'utf8');
    set = new Set([...dts.matchAll(/^\s+'([^']+)':\s/gm)].map((m) => m[1]!));
    requiredCache.set(model, set);
  }
  return set;
}

function modelClass(name: string): ModelClass {
  const cls = (k8s as unknown as Record<string, ModelClass | undefined>)[name];
  if (!cls || typeof cls.getAttributeTypeMap !== 'function') throw new Error(`no client-node model ${name}`);
  return cls;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function check(value: unknown, type: string, format: string, path: string, errors: string[]): void {
  const want = (ok: boolean, what: string) => {
    if (!ok) errors.push(`${path}: want ${what}, got ${JSON.stringify(value)}`);
  };
  if (type === 'any') return;
  if (type === 'string') return want(typeof value === 'string', 'a string');
  if (type === 'boolean') return want(typeof value === 'boolean', 'a boolean');
  if (type === 'number') return want(typeof value === 'number' && (!format.startsWith('int') || Number.isInteger(value)), format || 'a number');
  if (type === 'Date') return want(typeof value === 'string' && !Number.isNaN(Date.parse(value)), 'an RFC 3339 time');
  if (type === 'IntOrString') return want(typeof value === 'string' || Number.isInteger(value), 'an int or a string');
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) {
    if (!Array.isArray(value)) return want(false, 'a list');
    value.forEach((v, i) => check(v, arr[1]!, '', `${path}[${i}]`, errors));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isPlainObject(value)) return want(false, 'a map');
    for (const [k, v] of Object.entries(value)) check(v, map[1]!, '', `${path}.${k}`, errors);
    return;
  }
  if (!isPlainObject(value)) return want(false, `a ${type} object`);
  const attrs = modelClass(type).getAttributeTypeMap();
  const byName = new Map(attrs.map((a) => [a.baseName, a]));
  for (const [k, v] of Object.entries(value)) {
    const a = byName.get(k);
    if (!a) errors.push(`${path}.${k}: unknown field of ${type}`);
    else check(v, a.type, a.format, `${path}.${k}`, errors);
  }
  const required = requiredFields(type);
  for (const a of attrs) if (required.has(a.baseName) && !(a.baseName in value)) errors.push(`${path}: ${type} needs ${a.baseName}`);
}

/** Every problem with a Kubernetes object of a kind in MODEL_OF_KIND, as `kind/name.path: reason`. */
export function validateObject(obj: Record<string, unknown>): string[] {
  const kind = String(obj.kind);
  const model = MODEL_OF_KIND[kind];
  const name = String((obj.metadata as { name?: string } | undefined)?.name ?? '?');
  if (!model) return [`${kind}/${name}: no model for this kind`];
  const errors: string[] = [];
  check(obj, model, '', `${kind}/${name}`, errors);
  return errors;
}
