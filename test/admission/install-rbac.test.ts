// The ClusterRole `portcullis install` renders against what cluster mode actually calls:
// the real client code (src/admission/cluster.ts: policy list/watch, the background listing,
// the report writer's create/update-on-conflict/delete) runs against a recording HTTP server on
// 127.0.0.1 standing in for the API server (a mock: no API server runs here). Every request
// is mapped to the RBAC verb and resource the API server would authorize, and must be granted;
// every write the role grants must be one the code makes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderInstallManifests } from '../../src/admission/index.js';
import { ClusterReportWriter, KubeClient, listClusterPolicyDocs, listClusterResources, watchClusterPolicies } from '../../src/admission/cluster.js';
import { parseDocuments } from '../../src/policy/index.js';
import type { PolicyReportDoc } from '../../src/report/policyreport.js';

interface Call {
  verb: string;
  group: string;
  resource: string;
}

const calls: Call[] = [];
let server: Server;
let client: KubeClient;

/** An API path and method as the API server's authorizer sees them: verb, API group, resource. */
function authorizationOf(method: string, url: URL): Call {
  const seg = url.pathname.split('/').filter(Boolean);
  const [group, rest] = seg[0] === 'api' ? ['', seg.slice(2)] : [seg[1]!, seg.slice(3)];
  const namespaced = rest[0] === 'namespaces' && rest.length >= 3;
  const resource = namespaced ? rest[2]! : rest[0]!;
  const named = namespaced ? rest.length >= 4 : rest.length >= 2;
  const verb =
    method === 'GET' ? (url.searchParams.get('watch') === 'true' ? 'watch' : named ? 'get' : 'list') : { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method]!;
  return { verb, group, resource };
}

const report = (kind: 'PolicyReport' | 'ClusterPolicyReport', name: string, namespace?: string, fail = 0): PolicyReportDoc => ({
  apiVersion: 'wgpolicyk8s.io/v1alpha2',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), labels: { 'app.kubernetes.io/managed-by': 'portcullis' } },
  summary: { pass: 0, fail, warn: 0, error: 0, skip: 0 },
  results: [],
});

function respond(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://api');
  const call = authorizationOf(req.method ?? 'GET', url);
  calls.push(call);
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  req.resume();
  if (call.verb === 'watch') {
    // An empty watch stream that ends: the client re-watches later (the test stops it first).
    res.writeHead(200, { 'content-type': 'application/json' });
    setTimeout(() => res.end(), 50);
    return;
  }
  if (call.verb === 'list') {
    const items = call.resource === 'policyreports' ? [{ ...report('PolicyReport', 'updated', 'team-a'), metadata: { ...report('PolicyReport', 'updated', 'team-a').metadata, resourceVersion: '7' } }, report('PolicyReport', 'stale', 'team-a')] : [];
    return json(200, { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items });
  }
  if (call.verb === 'create' && url.pathname.endsWith('/namespaces/team-b/policyreports')) return json(409, { kind: 'Status', reason: 'AlreadyExists', message: 'exists' });
  if (call.verb === 'get') return json(200, { ...report('PolicyReport', 'conflict', 'team-b'), metadata: { name: 'conflict', namespace: 'team-b', resourceVersion: '9' } });
  return json(call.verb === 'create' ? 201 : 200, {});
}

beforeAll(async () => {
  server = createServer(respond);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'portcullis', token: 'test' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'portcullis' }],
    currentContext: 'test',
  });
  client = new KubeClient(kc);

  // Everything cluster mode does: list and watch policies, list what the background scan
  // reads, and write reports (one update, one create that conflicts, one create, one delete).
  const watch = watchClusterPolicies(client, () => undefined, { retryMs: 60_000 });
  await watch.ready;
  await new Promise((r) => setTimeout(r, 100));
  watch.stop();
  await listClusterPolicyDocs(client);
  await listClusterResources(client);
  const summary = await new ClusterReportWriter(client).flush([report('PolicyReport', 'updated', 'team-a', 1), report('PolicyReport', 'conflict', 'team-b'), report('ClusterPolicyReport', 'cluster-new')]);
  expect(summary).toMatchObject({ created: ['ClusterPolicyReport//cluster-new'], deleted: ['PolicyReport/team-a/stale'] });
  expect(summary.updated.sort()).toEqual(['PolicyReport/team-a/updated', 'PolicyReport/team-b/conflict']);
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('the rendered ClusterRole covers cluster mode, and no more writes than it makes', () => {
  const role = (parseDocuments(renderInstallManifests(), 'install') as Array<{ kind: string; rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> }>).find((o) => o.kind === 'ClusterRole')!;
  const granted = (c: Call) => role.rules!.some((r) => r.apiGroups.includes(c.group) && r.resources.includes(c.resource) && r.verbs.includes(c.verb));
  const key = (c: Call) => `${c.verb} ${c.group || 'core'}/${c.resource}`;

  it('grants every request the client code made', () => {
    const used = [...new Set(calls.map(key))].sort();
    // The recording saw the whole surface: watches, lists, a get, and each write.
    for (const want of ['watch kyverno.io/clusterpolicies', 'watch kyverno.io/policies', 'list core/pods', 'list apps/deployments', 'list batch/cronjobs', 'list core/namespaces', 'get wgpolicyk8s.io/policyreports', 'create wgpolicyk8s.io/clusterpolicyreports', 'update wgpolicyk8s.io/policyreports', 'delete wgpolicyk8s.io/policyreports']) {
      expect(used).toContain(want);
    }
    expect(calls.filter((c) => !granted(c)).map(key)).toEqual([]);
  });

  it('every write verb granted is used', () => {
    const writes = role.rules!.flatMap((r) => r.verbs.filter((v) => !['get', 'list', 'watch'].includes(v)).flatMap((v) => r.resources.map((res) => `${v} ${r.apiGroups[0]}/${res}`)));
    const used = new Set(calls.map(key));
    // A ClusterPolicyReport is never updated or deleted in this run, but the same code path
    // serves both kinds (collectionPath), so each verb counts for both report resources.
    const usedVerb = (w: string) => used.has(w) || used.has(w.replace('clusterpolicyreports', 'policyreports')) || used.has(w.replace('/policyreports', '/clusterpolicyreports'));
    expect(writes.filter((w) => !usedVerb(w))).toEqual([]);
  });

  it('the request mapping is the authorizer’s (so the checks above can fail)', () => {
    const u = (p: string) => new URL(p, 'http://api');
    expect(authorizationOf('GET', u('/api/v1/namespaces'))).toEqual({ verb: 'list', group: '', resource: 'namespaces' });
    expect(authorizationOf('GET', u('/api/v1/namespaces/x'))).toEqual({ verb: 'get', group: '', resource: 'namespaces' });
    expect(authorizationOf('GET', u('/api/v1/namespaces/x/pods'))).toEqual({ verb: 'list', group: '', resource: 'pods' });
    expect(authorizationOf('PATCH', u('/apis/apps/v1/namespaces/x/deployments/d'))).toEqual({ verb: 'patch', group: 'apps', resource: 'deployments' });
    expect(authorizationOf('GET', u('/apis/kyverno.io/v1/policies?watch=true'))).toEqual({ verb: 'watch', group: 'kyverno.io', resource: 'policies' });
    expect(granted({ verb: 'patch', group: 'wgpolicyk8s.io', resource: 'policyreports' })).toBe(false);
    expect(granted({ verb: 'get', group: '', resource: 'secrets' })).toBe(false);
  });
});
